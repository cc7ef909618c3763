// Bodies of the vec_kernels loops. Included by one .cpp per ISA with XEMB_ISA_NS set; written as
// plain loops the compiler vectorizes for the flags of that file (checked in the bench: the
// avx512 build of binary_f32 runs at memory bandwidth).
#include <algorithm>

#include "../../native/half.h"
#include "vec.h"

namespace xemb::cpu::XEMB_ISA_NS {

template <class Op>
static inline void binary_loop(int64_t n, const float * __restrict a, int64_t sa, const float * __restrict b, int64_t sb, float * __restrict out, Op op) {
    if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
    } else if (sa == 1 && sb == 0) {
        const float bv = b[0];
        for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], bv);
    } else if (sa == 0 && sb == 1) {
        const float av = a[0];
        for (int64_t i = 0; i < n; ++i) out[i] = op(av, b[i]);
    } else {
        for (int64_t i = 0; i < n; ++i) out[i] = op(a[i * sa], b[i * sb]);
    }
}

static void binary_f32(binary_fn_kind k, int64_t n, const float * a, int64_t sa, const float * b, int64_t sb, float * out) {
    switch (k) {
        case binary_fn_kind::add: binary_loop(n, a, sa, b, sb, out, [](float x, float y) { return x + y; }); break;
        case binary_fn_kind::sub: binary_loop(n, a, sa, b, sb, out, [](float x, float y) { return x - y; }); break;
        case binary_fn_kind::mul: binary_loop(n, a, sa, b, sb, out, [](float x, float y) { return x * y; }); break;
        case binary_fn_kind::div: binary_loop(n, a, sa, b, sb, out, [](float x, float y) { return x / y; }); break;
    }
}

// Half types: widen a block to f32, run the f32 loop, narrow once. Blocks keep the temporaries in L1.
template <float (*Load)(uint16_t), uint16_t (*Store)(float)>
static void binary_half(binary_fn_kind k, int64_t n, const uint16_t * a, int64_t sa, const uint16_t * b, int64_t sb, uint16_t * out) {
    constexpr int64_t block = 512;
    float fa[block], fb[block], fo[block];
    for (int64_t i0 = 0; i0 < n; i0 += block) {
        int64_t len = std::min(block, n - i0);
        int64_t la = sa == 0 ? 1 : len, lb = sb == 0 ? 1 : len;
        for (int64_t i = 0; i < la; ++i) fa[i] = Load(a[(i0 + i) * sa]);
        for (int64_t i = 0; i < lb; ++i) fb[i] = Load(b[(i0 + i) * sb]);
        binary_f32(k, len, fa, sa == 0 ? 0 : 1, fb, sb == 0 ? 0 : 1, fo);
        for (int64_t i = 0; i < len; ++i) out[i0 + i] = Store(fo[i]);
    }
}

static float load_f16(uint16_t h) { return f16_to_f32(h); }
static float load_bf16(uint16_t h) { return bf16_to_f32(h); }
static uint16_t store_f16(float f) { return f32_to_f16(f); }
static uint16_t store_bf16(float f) { return f32_to_bf16(f); }

// Row-times-matrix with four rows at a time so each loaded row of b feeds four accumulating rows.
static void gemm_rows_f32(int64_t rows, int64_t n, int64_t k, const float * a, int64_t lda, const float * __restrict b, float * __restrict c) {
    constexpr int64_t nb = 256;  // column block: four c row-blocks stay in L1
    for (int64_t j0 = 0; j0 < n; j0 += nb) {
        int64_t jn = std::min(nb, n - j0);
        int64_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            float * __restrict c0 = c + (r + 0) * n + j0;
            float * __restrict c1 = c + (r + 1) * n + j0;
            float * __restrict c2 = c + (r + 2) * n + j0;
            float * __restrict c3 = c + (r + 3) * n + j0;
            for (int64_t j = 0; j < jn; ++j) c0[j] = c1[j] = c2[j] = c3[j] = 0.0f;
            for (int64_t p = 0; p < k; ++p) {
                const float a0 = a[(r + 0) * lda + p], a1 = a[(r + 1) * lda + p];
                const float a2 = a[(r + 2) * lda + p], a3 = a[(r + 3) * lda + p];
                const float * __restrict bp = b + p * n + j0;
                for (int64_t j = 0; j < jn; ++j) {
                    const float bv = bp[j];
                    c0[j] += a0 * bv;
                    c1[j] += a1 * bv;
                    c2[j] += a2 * bv;
                    c3[j] += a3 * bv;
                }
            }
        }
        for (; r < rows; ++r) {
            float * __restrict c0 = c + r * n + j0;
            for (int64_t j = 0; j < jn; ++j) c0[j] = 0.0f;
            for (int64_t p = 0; p < k; ++p) {
                const float a0 = a[r * lda + p];
                const float * __restrict bp = b + p * n + j0;
                for (int64_t j = 0; j < jn; ++j) c0[j] += a0 * bp[j];
            }
        }
    }
}

// 64 independent partial sums: vectorises to full-width loads without reassociation.
static float read_sum(const float * __restrict p, int64_t n) {
    float acc[64] = {};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 64; ++j) acc[j] += p[i + j];
    float s = 0;
    for (; i < n; ++i) s += p[i];
    for (int j = 0; j < 64; ++j) s += acc[j];
    return s;
}

// 128 independent chains of x = x * a + b: enough in flight to hide FMA latency on two units.
constexpr int fma_chain_count = 128;
static float fma_chains(int64_t iters, float seed) {
    float x[fma_chain_count];
    for (int j = 0; j < fma_chain_count; ++j) x[j] = seed + static_cast<float>(j) * 1e-3f;
    const float a = 0.999999f, b = 1e-7f;
    for (int64_t i = 0; i < iters; ++i)
        for (int j = 0; j < fma_chain_count; ++j) x[j] = x[j] * a + b;
    float s = 0;
    for (int j = 0; j < fma_chain_count; ++j) s += x[j];
    return s;
}

extern const vec_kernels table;
const vec_kernels table = {
    XEMB_ISA_NAME,
    binary_f32,
    binary_half<load_f16, store_f16>,
    binary_half<load_bf16, store_bf16>,
    gemm_rows_f32,
    read_sum,
    fma_chains,
    2 * fma_chain_count,
};

}  // namespace xemb::cpu::XEMB_ISA_NS
