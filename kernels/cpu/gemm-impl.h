// f32 GEMM pieces (gemm.h) written once with GCC vector extensions and compiled per ISA:
// gemm-avx512.cpp (16 lanes, mr 12 x nr 32), gemm-avx2.cpp (8 lanes, 6 x 16), gemm-generic.cpp
// (SSE2, 4 lanes, 4 x 8). The including file defines GEMM_NS, GEMM_NAME, GEMM_VBYTES, GEMM_MR,
// GEMM_NRV (vectors per nr), GEMM_KC, GEMM_MC and GEMM_F16 (512, 256 or 0: F16C width).
// c[mr x nr] += sum_k a[k][i] * b[k][j]: per k one vector load per nr/lanes and one broadcast per
// row; the mr * nrv accumulators stay in registers (24 of 32 zmm, 12 of 16 ymm). The ISA files
// are built with FP contraction on, so `acc += a * b` is one FMA where the ISA has it.
#include <algorithm>
#include <cstring>
#if GEMM_F16
#include <immintrin.h>
#endif

#include "../../native/half.h"
#include "gemm.h"

namespace xemb::cpu::GEMM_NS {

namespace {

constexpr int L = GEMM_VBYTES / 4;
constexpr int MR = GEMM_MR;
constexpr int NRV = GEMM_NRV;
constexpr int NR = L * NRV;
typedef float vf __attribute__((vector_size(GEMM_VBYTES)));
typedef uint32_t vu __attribute__((vector_size(GEMM_VBYTES)));
typedef uint16_t vh __attribute__((vector_size(GEMM_VBYTES / 2)));

inline vf loadu(const float * p) {
    vf v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void storeu(float * p, vf v) { std::memcpy(p, &v, sizeof v); }

template <dtype T> inline float elem(const void * p, int64_t i) {
    if constexpr (T == dtype::f32) return static_cast<const float *>(p)[i];
    else if constexpr (T == dtype::bf16) return bf16_to_f32(static_cast<const uint16_t *>(p)[i]);
    else return f16_to_f32(static_cast<const uint16_t *>(p)[i]);
}

template <class F> inline void with_float_dtype(dtype t, F && f) {
    if (t == dtype::bf16) f(std::integral_constant<dtype, dtype::bf16>{});
    else if (t == dtype::f16) f(std::integral_constant<dtype, dtype::f16>{});
    else f(std::integral_constant<dtype, dtype::f32>{});
}

void pack_b(const gemm_operand & b, int64_t n0, int64_t n_valid, int64_t K, void * dst_) {
    float * dst = static_cast<float *>(dst_);
    with_float_dtype(b.type, [&](auto tag) {
        constexpr dtype T = decltype(tag)::value;
        for (int64_t j = 0; j < NR; ++j) {
            if (j >= n_valid) {
                for (int64_t k = 0; k < K; ++k) dst[k * NR + j] = 0.0f;
                continue;
            }
            const int64_t base = (n0 + j) * b.si;
            for (int64_t k = 0; k < K; ++k) dst[k * NR + j] = elem<T>(b.data, base + k * b.sk);
        }
    });
}

void pack_a(const gemm_operand & a, int64_t m0, int64_t rows, int64_t k0, int64_t kc, void * dst_) {
    float * dst = static_cast<float *>(dst_);
    const int64_t panels = (rows + MR - 1) / MR;
    with_float_dtype(a.type, [&](auto tag) {
        constexpr dtype T = decltype(tag)::value;
        for (int64_t p = 0; p < panels; ++p) {
            float * d = dst + p * kc * MR;
            for (int64_t i = 0; i < MR; ++i) {
                const int64_t r = p * MR + i;
                if (r >= rows) {
                    for (int64_t k = 0; k < kc; ++k) d[k * MR + i] = 0.0f;
                    continue;
                }
                const int64_t base = (m0 + r) * a.si + k0 * a.sk;
                for (int64_t k = 0; k < kc; ++k) d[k * MR + i] = elem<T>(a.data, base + k * a.sk);
            }
        }
    });
}

void kernel(int64_t kc, const void * ap_, const void * bp_, float * c, int64_t ldc, bool accumulate) {
    const float * __restrict ap = static_cast<const float *>(ap_);
    const float * __restrict bp = static_cast<const float *>(bp_);
    vf acc[MR][NRV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < NRV; ++j) acc[i][j] = vf{};
    for (int64_t k = 0; k < kc; ++k) {
        vf bv[NRV];
#pragma GCC unroll 4
        for (int j = 0; j < NRV; ++j) bv[j] = loadu(bp + k * NR + j * L);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const float av = ap[k * MR + i];
#pragma GCC unroll 4
            for (int j = 0; j < NRV; ++j) acc[i][j] += bv[j] * av;
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < NRV; ++j) {
            float * p = c + i * ldc + j * L;
            storeu(p, accumulate ? loadu(p) + acc[i][j] : acc[i][j]);
        }
}

// One vector of w at p widened to f32.
template <dtype T> inline vf load_w(const void * p) {
    if constexpr (T == dtype::f32) {
        return loadu(static_cast<const float *>(p));
    } else if constexpr (T == dtype::bf16) {
        vh h;
        std::memcpy(&h, p, sizeof h);
        return (vf)(__builtin_convertvector(h, vu) << 16);
    } else {
#if GEMM_F16 == 512
        return (vf)(_mm512_cvtph_ps(_mm256_loadu_si256(static_cast<const __m256i *>(p))));
#elif GEMM_F16 == 256
        return (vf)(_mm256_cvtph_ps(_mm_loadu_si128(static_cast<const __m128i *>(p))));
#else
        vf v;
        for (int l = 0; l < L; ++l) v[l] = f16_to_f32(static_cast<const uint16_t *>(p)[l]);
        return v;
#endif
    }
}

// R rows of w against M rows of x: R * M accumulators, each w vector loaded once.
template <dtype T, int M, int R>
void gemv_rows(int64_t K, const float * x, const void * w, int64_t ldw, int64_t n, float * y, int64_t ldy) {
    const size_t es = T == dtype::f32 ? 4 : 2;
    const char * wb = static_cast<const char *>(w);
    vf acc[R][M];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int i = 0; i < M; ++i) acc[r][i] = vf{};
    int64_t k = 0;
    for (; k + L <= K; k += L) {
        vf xv[M];
#pragma GCC unroll 8
        for (int i = 0; i < M; ++i) xv[i] = loadu(x + i * K + k);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const vf wv = load_w<T>(wb + ((n + r) * ldw + k) * es);
#pragma GCC unroll 8
            for (int i = 0; i < M; ++i) acc[r][i] += wv * xv[i];
        }
    }
    for (int r = 0; r < R; ++r)
        for (int i = 0; i < M; ++i) {
            float s = 0.0f;
            for (int l = 0; l < L; ++l) s += acc[r][i][l];
            for (int64_t kk = k; kk < K; ++kk) s += x[i * K + kk] * elem<T>(w, (n + r) * ldw + kk);
            y[i * ldy + n + r] = s;
        }
}

template <dtype T, int M>
void gemv_m(int64_t K, const float * x, const void * w, int64_t ldw, int64_t n0, int64_t n1, float * y, int64_t ldy) {
    constexpr int R = M <= 2 ? 4 : M <= 4 ? 2 : 1;
    int64_t n = n0;
    for (; n + R <= n1; n += R) gemv_rows<T, M, R>(K, x, w, ldw, n, y, ldy);
    for (; n < n1; ++n) gemv_rows<T, M, 1>(K, x, w, ldw, n, y, ldy);
}

template <dtype T>
void gemv_t(int64_t m, int64_t K, const float * x, const void * w, int64_t ldw, int64_t n0, int64_t n1, float * y, int64_t ldy) {
    switch (m) {
        case 1: gemv_m<T, 1>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 2: gemv_m<T, 2>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 3: gemv_m<T, 3>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 4: gemv_m<T, 4>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 5: gemv_m<T, 5>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 6: gemv_m<T, 6>(K, x, w, ldw, n0, n1, y, ldy); break;
        case 7: gemv_m<T, 7>(K, x, w, ldw, n0, n1, y, ldy); break;
        default: gemv_m<T, 8>(K, x, w, ldw, n0, n1, y, ldy); break;
    }
}

void gemv(int64_t m, int64_t K, const float * x, const void * w, dtype wt, int64_t ldw, int64_t n0, int64_t n1, float * y, int64_t ldy) {
    with_float_dtype(wt, [&](auto tag) { gemv_t<decltype(tag)::value>(m, K, x, w, ldw, n0, n1, y, ldy); });
}

}  // namespace

extern const gemm_isa table;
const gemm_isa table = {GEMM_NAME, gemm_format::f32, MR, NR, GEMM_KC, GEMM_MC, pack_b, pack_a, kernel, gemv};

}  // namespace xemb::cpu::GEMM_NS
