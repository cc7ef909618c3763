// CPU GEMM core shared by linear and matmul: c[m, n] = sum_k a(m, k) * b(n, k), f32 accumulation.
// BLIS-style: B is packed once into nr-column panels (cached per weight tensor by linear), A is
// packed per (mc x kc) block, an mr x nr register-blocked microkernel runs over the 2D tile grid
// on the pool. Per-ISA pieces (gemm-avx512bf16/-avx512/-avx2/-generic.cpp) fill a gemm_isa;
// the driver (gemm.cpp) and the packed-weight cache (gemm-cache.cpp) are ISA-neutral.
// Reference: Goto & van de Geijn, "Anatomy of high-performance matrix multiplication" (TOMS 2008);
// BLIS (Van Zee & van de Geijn, TOMS 2015) for the loop order and the packing layouts.
#pragma once
#include <cstdint>
#include <memory>

#include "../../native/dtype.h"
#include "../../native/half.h"
#include "../../native/status.h"
#include "../../native/tensor.h"

namespace xemb {
class thread_pool;
}

namespace xemb::cpu {

// Element (i, k) of an operand is data[i * si + k * sk] (elements), dtype f32/f16/bf16.
struct gemm_operand {
    const void * data = nullptr;
    dtype type = dtype::f32;
    int64_t si = 0, sk = 1;
};

// Element i of a f32/f16/bf16 operand as bf16 bits (f16 widened exactly to f32, then rounded
// once to bf16), for the bf16 packers. Internal linkage on purpose: the packers live
// in files built with ISA flags, and one shared out-of-line copy could carry their instructions.
static inline uint16_t to_bf16_bits(const void * p, dtype t, int64_t i) {
    if (t == dtype::bf16) return static_cast<const uint16_t *>(p)[i];
    if (t == dtype::f16) return f32_to_bf16(f16_to_f32(static_cast<const uint16_t *>(p)[i]));
    return f32_to_bf16(static_cast<const float *>(p)[i]);
}

// Packed layouts. f32: a B panel is [K][nr] f32, an A panel [kc][mr] f32.
// bf16x2 (AVX512-BF16 vdpbf16ps): k is taken in pairs; a B panel is [ceil(K/2)][nr][2] bf16, an A
// panel [ceil(kc/2)][mr][2] bf16, an odd K padded with a zero pair member.
// amx_bf16 (AMX tiles): B panels as bf16x2 with K zero-padded to a multiple of 32; an A panel is
// mr rows x kc row-major bf16, kc zero-padded to a multiple of 32.
enum class gemm_format : int { f32 = 0, bf16x2 = 1, amx_bf16 = 2 };

struct gemm_isa {
    const char * name;
    gemm_format format;
    int mr, nr;
    int64_t kc;  // k per block (even)
    int64_t mc;  // rows per A block (multiple of mr)
    // B panel of rows [n0, n0 + n_valid) (n_valid <= nr, the rest zero) over all k < K -> dst
    void (*pack_b)(const gemm_operand & b, int64_t n0, int64_t n_valid, int64_t K, void * dst);
    // A rows [m0, m0 + rows), k in [k0, k0 + kc) -> ceil(rows / mr) panels (rows past `rows` zero)
    void (*pack_a)(const gemm_operand & a, int64_t m0, int64_t rows, int64_t k0, int64_t kc, void * dst);
    // c[i * ldc + j] (i < mr, j < nr) = (accumulate ? c : 0) + sum over the block's k of ap * bp
    void (*kernel)(int64_t kc, const void * ap, const void * bp, float * c, int64_t ldc, bool accumulate);
    // GEMV (M <= 8): y[i * ldy + n] = sum_k x[i * K + k] * w[n * ldw + k] for i < m, n in [n0, n1);
    // x f32, w read in place (f32/f16/bf16), f32 accumulation.
    void (*gemv)(int64_t m, int64_t K, const float * x, const void * w, dtype wt, int64_t ldw, int64_t n0, int64_t n1, float * y, int64_t ldy);
};

inline size_t gemm_elem_bytes(const gemm_isa & isa) { return isa.format == gemm_format::f32 ? 4 : 2; }
// k rounded up to the format's k granularity
inline int64_t gemm_k_padded(const gemm_isa & isa, int64_t k) {
    switch (isa.format) {
        case gemm_format::f32: return k;
        case gemm_format::bf16x2: return (k + 1) / 2 * 2;
        default: return (k + 31) / 32 * 32;
    }
}
inline size_t gemm_panel_bytes(const gemm_isa & isa, int64_t K) { return static_cast<size_t>(gemm_k_padded(isa, K)) * isa.nr * gemm_elem_bytes(isa); }

// The variant for these operand dtypes at the current isa_level(): bf16 x bf16 uses AMX tiles
// where the CPU and OS allow them (XEMB_CPU_AMX=0 opts out), else vdpbf16ps where present; every
// other pair widens to f32 at packing time and uses the f32 FMA kernel.
const gemm_isa & gemm_isa_for(dtype a, dtype b);
// The f32 variant of the current level (GEMV and mixed dtypes).
const gemm_isa & gemm_isa_f32();

// B packed into ceil(N / nr) panels, gemm_panel_bytes(isa, K) each.
struct packed_b {
    const gemm_isa * isa = nullptr;
    int64_t n = 0, k = 0;
    size_t bytes = 0;
    std::unique_ptr<unsigned char, void (*)(void *)> data{nullptr, nullptr};
    const void * panel(int64_t p) const { return data.get() + static_cast<size_t>(p) * gemm_panel_bytes(*isa, k); }
};

status pack_b_all(const gemm_isa & isa, const gemm_operand & b, int64_t N, int64_t K, thread_pool & pool, packed_b & out);

// The packed form of weight w [N, K] (contiguous) for `isa`, from the process-wide cache (keyed on
// the storage's unique id and write version, the view offset, dtype, shape and format) or packed
// now. Entries of a freed storage are dropped; the cache is bounded (XEMB_GEMM_CACHE_MB, default
// 2048; 0 disables it) and evicts least recently used entries.
status cached_packed_weights(const tensor & w, const gemm_isa & isa, thread_pool & pool, std::shared_ptr<const packed_b> & out);

struct gemm_cache_stats {
    uint64_t hits = 0, misses = 0, entries = 0, bytes = 0;
};
gemm_cache_stats gemm_cache_stats_now();

// Output of a GEMM: c[m * ldc + n] of dtype `type` (f32/f16/bf16), rounded once; bias[n] added
// in f32 before the rounding when given.
struct gemm_out {
    void * data = nullptr;
    dtype type = dtype::f32;
    int64_t ldc = 0;
    const void * bias = nullptr;
    dtype bias_type = dtype::f32;
};

// c = a · packed_bᵀ (+ bias) with M rows; a read through its strides.
status gemm_packed(int64_t M, const gemm_operand & a, const packed_b & b, const gemm_out & c, thread_pool & pool);
// M <= 8 rows against w read in place (rows contiguous in k, row stride ldw).
status gemv(int64_t M, int64_t N, int64_t K, const gemm_operand & a, const void * w, dtype wt, int64_t ldw, const gemm_out & c, thread_pool & pool);
constexpr int64_t gemv_max_m = 8;
// K = 0: c = bias or 0.
void gemm_fill_bias(int64_t M, int64_t N, const gemm_out & c);

}  // namespace xemb::cpu
