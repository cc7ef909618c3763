// Hot inner loops compiled once per instruction set (vec-avx512.cpp, vec-avx2.cpp,
// vec-generic.cpp all include vec-impl.h with different compiler flags) and picked at run time
// from the CPU's features, so one binary runs on any x86-64 and uses AVX-512/AVX2 where present.
// XEMB_CPU_ISA=generic|avx2|avx512|avx512bf16 lowers the choice (never raises it past the hardware).
#pragma once
#include <cstdint>

namespace xemb::cpu {

enum class binary_fn_kind : int { add, sub, mul, div };

struct vec_kernels {
    const char * isa;
    // out[i] = a[i*sa] (op) b[i*sb], i < n; sa, sb in {0, 1} or any stride
    void (*binary_f32)(binary_fn_kind, int64_t n, const float * a, int64_t sa, const float * b, int64_t sb, float * out);
    // same on f16 / bf16 bits, computed in f32 and rounded once
    void (*binary_f16)(binary_fn_kind, int64_t n, const uint16_t * a, int64_t sa, const uint16_t * b, int64_t sb, uint16_t * out);
    void (*binary_bf16)(binary_fn_kind, int64_t n, const uint16_t * a, int64_t sa, const uint16_t * b, int64_t sb, uint16_t * out);
    // c[m, n] = sum_k a[m, k] * b[k, n] for m < rows; a row stride lda, b contiguous [K, N], c contiguous [rows, N]
    void (*gemm_rows_f32)(int64_t rows, int64_t n, int64_t k, const float * a, int64_t lda, const float * b, float * c);
    // peak probes (bench only): vector-width streaming read of n floats; `iters` rounds of
    // independent FMA chains (returns a value so the work is not optimised away)
    float (*read_sum)(const float * p, int64_t n);
    float (*fma_chains)(int64_t iters, float seed);
    int fma_flops_per_iter;
};

const vec_kernels & vec();
// The instruction-set level kernels use, after XEMB_CPU_ISA: 0 generic, 1 avx2 (+FMA, F16C),
// 2 avx512 (F/BW/VL/DQ), 3 avx512bf16 (level 2 plus AVX512-BF16 vdpbf16ps). Kernels with their
// own per-ISA files (<stem>-avx512bf16.cpp, <stem>-avx512.cpp, <stem>-avx2.cpp,
// <stem>-generic.cpp; CMake gives each its flags) pick their variant from this.
int isa_level();
const char * isa_name(int level);
// Names of the instruction sets this CPU can use, best first (for doctor and tests).
const char * best_isa();

}  // namespace xemb::cpu
