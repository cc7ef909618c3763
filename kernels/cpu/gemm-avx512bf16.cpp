// bf16 x bf16 GEMM pieces (gemm.h, format bf16x2) for AVX512-BF16: c[12 x 32] += a · b with
// vdpbf16ps, which per f32 lane adds two bf16 products: k is packed in pairs, a B micro-panel is
// [kc/2][32][2] bf16 (two zmm per pair), an A panel [kc/2][12][2] (one 32-bit broadcast per row).
// Numerics: every bf16 product is exact in f32 and is accumulated in f32 (round to nearest even),
// but the instruction treats bf16 denormal inputs and f32 denormal results as zero (DAZ/FTZ) and
// adds the odd-k product before the even one; so results are not bit-identical to f32 FMA, and
// the tests budget them like any other f32-accumulated bf16 GEMM (2x a naive f32 loop).
// Reference: Intel SDM, VDPBF16PS; Intel BF16 whitepaper (document 338302).
#include <immintrin.h>

#include <cstring>

#include "../../native/half.h"
#include "gemm.h"

namespace xemb::cpu::gemm_avx512bf16 {

namespace {

constexpr int MR = 12;
constexpr int NR = 32;

void pack_b(const gemm_operand & b, int64_t n0, int64_t n_valid, int64_t K, void * dst_) {
    uint16_t * dst = static_cast<uint16_t *>(dst_);
    const int64_t kp = (K + 1) / 2;
    for (int64_t j = 0; j < NR; ++j) {
        if (j >= n_valid) {
            for (int64_t q = 0; q < kp; ++q) dst[(q * NR + j) * 2] = dst[(q * NR + j) * 2 + 1] = 0;
            continue;
        }
        const int64_t base = (n0 + j) * b.si;
        for (int64_t k = 0; k < K; ++k) dst[((k >> 1) * NR + j) * 2 + (k & 1)] = to_bf16_bits(b.data, b.type, base + k * b.sk);
        if (K & 1) dst[((K >> 1) * NR + j) * 2 + 1] = 0;
    }
}

void pack_a(const gemm_operand & a, int64_t m0, int64_t rows, int64_t k0, int64_t kc, void * dst_) {
    uint16_t * dst = static_cast<uint16_t *>(dst_);
    const int64_t kp = (kc + 1) / 2;
    const int64_t panels = (rows + MR - 1) / MR;
    for (int64_t p = 0; p < panels; ++p) {
        uint16_t * d = dst + p * kp * MR * 2;
        for (int64_t i = 0; i < MR; ++i) {
            const int64_t r = p * MR + i;
            if (r >= rows) {
                for (int64_t q = 0; q < kp; ++q) d[(q * MR + i) * 2] = d[(q * MR + i) * 2 + 1] = 0;
                continue;
            }
            const int64_t base = (m0 + r) * a.si + k0 * a.sk;
            if (a.type == dtype::bf16 && a.sk == 1) {
                // the common case: a row of bf16 is already in pair order
                const uint16_t * s = static_cast<const uint16_t *>(a.data) + base;
                for (int64_t q = 0; q < kc / 2; ++q) std::memcpy(d + (q * MR + i) * 2, s + 2 * q, 4);
            } else {
                for (int64_t k = 0; k < (kc & ~int64_t(1)); ++k) d[((k >> 1) * MR + i) * 2 + (k & 1)] = to_bf16_bits(a.data, a.type, base + k * a.sk);
            }
            if (kc & 1) {
                d[((kc >> 1) * MR + i) * 2] = to_bf16_bits(a.data, a.type, base + (kc - 1) * a.sk);
                d[((kc >> 1) * MR + i) * 2 + 1] = 0;
            }
        }
    }
}

void kernel(int64_t kc, const void * ap_, const void * bp_, float * c, int64_t ldc, bool accumulate) {
    const uint32_t * __restrict ap = static_cast<const uint32_t *>(ap_);  // bf16 pairs as words
    const uint16_t * __restrict bp = static_cast<const uint16_t *>(bp_);
    const int64_t kp = (kc + 1) / 2;
    __m512 acc[MR][2];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int64_t q = 0; q < kp; ++q) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(bp + q * NR * 2);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(bp + q * NR * 2 + 32);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const __m512bh a = (__m512bh)_mm512_set1_epi32(static_cast<int>(ap[q * MR + i]));
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        float * p = c + i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(p));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(p + 16));
        }
        _mm512_storeu_ps(p, acc[i][0]);
        _mm512_storeu_ps(p + 16, acc[i][1]);
    }
}

}  // namespace

extern const gemm_isa table;
// GEMV rows are served by the f32 table (the driver's choice); gemv stays null here.
const gemm_isa table = {"avx512bf16", gemm_format::bf16x2, MR, NR, 512, 144, pack_b, pack_a, kernel, nullptr};

}  // namespace xemb::cpu::gemm_avx512bf16
