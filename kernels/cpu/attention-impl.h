// Body of the CPU attention block kernel (one query block of one head), included by one .cpp per
// ISA with XEMB_ISA_NS and XEMB_ATTN_VW (floats per vector) set. Online softmax in base 2
// (FlashAttention-2, arXiv 2307.08691, Algorithm 1): for each key tile of 64 keys,
//   S = (q * scale * log2 e) K^T  [softcap: S = softcap * log2 e * tanh(q K^T * scale / softcap)]
//   m' = max(m, rowmax S), P = 2^(S - m'), l = l 2^(m - m') + rowsum P, O = O 2^(m - m') + P V
// then out = O / l and lse = (m + log2 l) ln 2. f16/bf16 tiles are widened to f32 as they are
// copied into the (L1/L2-resident) scratch tiles; memory is O(tile), never O(Sq x Sk).
// Vector code uses GCC vector extensions so that one source gives AVX-512, AVX2 and SSE2 code.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../../native/elem.h"
#include "attention-isa.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {

constexpr int VW = XEMB_ATTN_VW;
typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));
constexpr int64_t BQ = attn_block_q, BK = attn_block_k;
constexpr int NV = static_cast<int>(BK / VW);  // vectors per S row
constexpr float log2e = 1.4426950408889634f;

// x - (+0) is exact for every x (0 + x is not, for x = -0), so this folds to a plain broadcast.
inline vf splat(float x) { return x - vf{}; }
inline vf vload(const float * p) { vf r; std::memcpy(&r, p, sizeof r); return r; }
inline void vstore(float * p, vf x) { std::memcpy(p, &x, sizeof x); }

// 2^x for x <= 0 (x = -inf -> 0): x = n + f with n = round(x) (the 1.5 * 2^23 trick, exact for
// |x| <= 126) and f in [-0.5, 0.5], degree-7 Taylor series of e^(f ln 2) (|f ln 2| <= 0.347, relative
// error < 1e-8), exponent bits from n. x < -126 flushes to 0.
inline vf vexp2(vf x) {
    const vf lo = splat(-126.0f);
    const vi small = x < lo;
    x = small ? lo : x;
    const vf magic = splat(12582912.0f);
    const vf t = x + magic;
    const vf nf = t - magic;
    vi ni;
    std::memcpy(&ni, &t, sizeof ni);
    const vf f = (x - nf) * 0.6931471805599453f;
    vf p = splat(1.0f / 5040.0f);
    p = p * f + 1.0f / 720.0f;
    p = p * f + 1.0f / 120.0f;
    p = p * f + 1.0f / 24.0f;
    p = p * f + 1.0f / 6.0f;
    p = p * f + 0.5f;
    p = p * f + 1.0f;
    p = p * f + 1.0f;
    const vi bits = (ni - 0x4B400000 + 127) << 23;  // low mantissa bits of t hold n
    vf scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const vf r = p * scale;
    return small ? vf{} : r;
}

template <class E> inline float ld(const E * p, int64_t i) {
    if constexpr (std::is_same_v<E, float>) return p[i];
    else return to_f32(p[i]);
}

// st[j][0 .. NQU*VW) = sum_c kb[j][c] qt[c][...] for keys j < nkr, KJ keys per pass so each Q
// vector feeds KJ accumulators (NQU: query vectors in use, a constant so they stay in registers).
template <int NQU, int KJ>
inline void st_tile(const float * qt, const float * kb, float * st, int64_t d, int64_t dp, int64_t nkr) {
    // At most 4 query vectors per pass: KJ x 4 sums plus the operands fit the register file.
    constexpr int NG = NQU < 4 ? NQU : 4;
    for (int g = 0; g < NQU; g += NG)
        for (int64_t j = 0; j < nkr; j += KJ) {
            vf acc[KJ][NG];
            for (int a = 0; a < KJ; ++a)
                for (int n = 0; n < NG; ++n) acc[a][n] = vf{};
            for (int64_t c = 0; c < d; ++c) {
                const float * qr = qt + c * BQ + g * VW;
                vf kv[KJ];
                for (int a = 0; a < KJ; ++a) kv[a] = splat(kb[(j + a) * dp + c]);
                for (int n = 0; n < NG; ++n) {
                    const vf x = vload(qr + n * VW);
                    for (int a = 0; a < KJ; ++a) acc[a][n] += kv[a] * x;
                }
            }
            for (int a = 0; a < KJ; ++a)
                for (int n = 0; n < NG; ++n) vstore(st + (j + a) * BQ + (g + n) * VW, acc[a][n]);
        }
}

// O[i][c0 .. c0 + NVC*VW) += sum_j st[j][i] vt[j][...] for R rows from i0: R x NVC accumulators
// stay in registers, each V vector feeds R rows and each probability NVC vectors.
template <int R, int NVC>
inline void pv_rows(const float * st, const float * vt, float * o, int64_t i0, int64_t c0, int64_t dp, int64_t nk) {
    vf acc[R][NVC];
    for (int r = 0; r < R; ++r)
        for (int n = 0; n < NVC; ++n) acc[r][n] = vload(o + (i0 + r) * dp + c0 + n * VW);
    for (int64_t jj = 0; jj < nk; ++jj) {
        const float * vr = vt + jj * dp + c0;
        vf vv[NVC];
        for (int n = 0; n < NVC; ++n) vv[n] = vload(vr + n * VW);
        for (int r = 0; r < R; ++r) {
            const vf x = splat(st[jj * BQ + i0 + r]);
            for (int n = 0; n < NVC; ++n) acc[r][n] += x * vv[n];
        }
    }
    for (int r = 0; r < R; ++r)
        for (int n = 0; n < NVC; ++n) vstore(o + (i0 + r) * dp + c0 + n * VW, acc[r][n]);
}

// Register budget: AVX-512 has 32 vector registers, AVX2/SSE2 16; keep NVC loads + R*NVC sums.
constexpr int PV_CMAX = VW >= 16 ? 8 : 4, PV_ACC = VW >= 16 ? 24 : 12;

template <int NVC>
inline void pv_chunk(const float * st, const float * vt, float * o, int64_t nq, int64_t c0, int64_t dp, int64_t nk) {
    constexpr int R0 = PV_ACC / NVC;
    constexpr int R = R0 > 6 ? 6 : (R0 < 1 ? 1 : R0);
    int64_t i = 0;
    for (; i + R <= nq; i += R) pv_rows<R, NVC>(st, vt, o, i, c0, dp, nk);
    for (; i < nq; ++i) pv_rows<1, NVC>(st, vt, o, i, c0, dp, nk);
}

inline void pv_tile(const float * st, const float * vt, float * o, int64_t nq, int64_t dp, int64_t nk) {
    for (int64_t c0 = 0; c0 < dp; c0 += PV_CMAX * VW) {
        const int64_t left = (dp - c0) / VW;
        const int nvc = static_cast<int>(left < PV_CMAX ? left : PV_CMAX);
        switch (nvc) {
            case 1: pv_chunk<1>(st, vt, o, nq, c0, dp, nk); break;
            case 2: pv_chunk<2>(st, vt, o, nq, c0, dp, nk); break;
            case 3: pv_chunk<3>(st, vt, o, nq, c0, dp, nk); break;
            case 4: pv_chunk<4>(st, vt, o, nq, c0, dp, nk); break;
            case 5: pv_chunk<(PV_CMAX >= 5 ? 5 : 1)>(st, vt, o, nq, c0, dp, nk); break;
            case 6: pv_chunk<(PV_CMAX >= 6 ? 6 : 1)>(st, vt, o, nq, c0, dp, nk); break;
            case 7: pv_chunk<(PV_CMAX >= 7 ? 7 : 1)>(st, vt, o, nq, c0, dp, nk); break;
            default: pv_chunk<PV_CMAX>(st, vt, o, nq, c0, dp, nk); break;
        }
    }
}

// The tile is computed transposed, S^T [keys][queries], so that everything per query (max,
// sum, scale) is a vector over 16 (AVX-512) queries and the K rows are used as they are stored:
// no horizontal reductions and no per-tile transpose (Q is transposed once per task).
template <class E>
void block(const attn_task & t, float * scratch) {
    constexpr int NQ = static_cast<int>(BQ / VW);  // vectors per S^T row
    constexpr int KJ = VW >= 16 ? 4 : 2;           // keys per pass of the S^T loop
    const int64_t d = t.d, dp = attn_dpad(d);
    float * qt = scratch;             // [d][BQ]  scaled queries, transposed
    float * kb = qt + d * BQ;         // [BK][dp] K tile
    float * vt = kb + BK * dp;        // [BK][dp] V tile, zero padded
    float * st = vt + BK * dp;        // [BK][BQ] logits, then probabilities (transposed)
    float * o = st + BK * BQ;         // [BQ][dp] unnormalised output
    float * m = o + BQ * dp;          // [BQ] running max (base-2 logits)
    float * l = m + BQ;               // [BQ] running sum
    int32_t * lo = reinterpret_cast<int32_t *>(l + BQ);  // [BQ] visible keys [lo, hi) per row
    int32_t * hi = lo + BQ;
    const E * q = static_cast<const E *>(t.q);
    const E * k = static_cast<const E *>(t.k);
    const E * v = static_cast<const E *>(t.v);
    const bool cap = t.softcap > 0;
    const float qmul = cap ? t.scale / t.softcap : t.scale * log2e;
    const float capmul = t.softcap * log2e;
    const int64_t shift = t.sk - t.sq;
    auto clampk = [&](int64_t x) -> int32_t { return static_cast<int32_t>(x < 0 ? 0 : (x > t.sk ? t.sk : x)); };
    for (int64_t i = 0; i < BQ; ++i) {
        if (i >= t.nq) {  // padding rows: nothing visible, never stored
            lo[i] = hi[i] = 0;
            for (int64_t c = 0; c < d; ++c) qt[c * BQ + i] = 0.0f;
        } else {
            const int64_t r = t.r0 + i, pos = r / t.g;
            const E * qr = q + pos * t.q_rs + (r % t.g) * d;
            for (int64_t c = 0; c < d; ++c) qt[c * BQ + i] = ld(qr, c) * qmul;
            lo[i] = t.left < 0 ? 0 : clampk(pos + shift - t.left);
            hi[i] = t.right < 0 ? static_cast<int32_t>(t.sk) : clampk(pos + shift + t.right + 1);
        }
        m[i] = -INFINITY;
        l[i] = 0.0f;
    }
    std::memset(o, 0, sizeof(float) * BQ * dp);
    std::memset(kb, 0, sizeof(float) * BK * dp);
    std::memset(vt, 0, sizeof(float) * BK * dp);
    int32_t lo_min = INT32_MAX, lo_max = 0, hi_min = INT32_MAX, hi_max = 0;
    for (int64_t i = 0; i < t.nq; ++i) {
        lo_min = lo[i] < lo_min ? lo[i] : lo_min;
        lo_max = lo[i] > lo_max ? lo[i] : lo_max;
        hi_min = hi[i] < hi_min ? hi[i] : hi_min;
        hi_max = hi[i] > hi_max ? hi[i] : hi_max;
    }
    const int64_t jlo = lo_min, jhi = hi_max;
    // Query vectors in use: short blocks (decode rows, small windows) skip the empty columns.
    const int nqn = static_cast<int>((t.nq + VW - 1) / VW);
    const int nqv = nqn <= 2 ? nqn : (nqn <= 4 && NQ > 4 ? 4 : NQ);

    for (int64_t j0 = jlo; j0 < jhi; j0 += BK) {
        const int64_t nk = jhi - j0 < BK ? jhi - j0 : BK;
        for (int64_t jj = 0; jj < nk; ++jj) {
            const int64_t j = j0 + jj;
            const int64_t off = t.pages ? t.pages[j / t.page_size] * t.page_rs + (j % t.page_size) * t.kv_rs : j * t.kv_rs;
            for (int64_t c = 0; c < d; ++c) kb[jj * dp + c] = ld(k + off, c);
            for (int64_t c = 0; c < d; ++c) vt[jj * dp + c] = ld(v + off, c);
            // K/V rows of a head are strided (one row per position) and miss the caches: fetch the
            // next tile's rows into L2 now, so they arrive while this tile is computed.
            const int64_t jn = j + BK;
            if (jn < jhi) {
                const int64_t offn = t.pages ? t.pages[jn / t.page_size] * t.page_rs + (jn % t.page_size) * t.kv_rs : jn * t.kv_rs;
                const char * kn = reinterpret_cast<const char *>(k + offn);
                const char * vn = reinterpret_cast<const char *>(v + offn);
                for (int64_t b = 0; b < d * static_cast<int64_t>(sizeof(E)); b += 64) {
                    __builtin_prefetch(kn + b, 0, 2);
                    __builtin_prefetch(vn + b, 0, 2);
                }
            }
        }
        if (nk < BK)
            for (int64_t jj = nk; jj < BK; ++jj)
                for (int64_t c = 0; c < dp; ++c) kb[jj * dp + c] = vt[jj * dp + c] = 0.0f;

        // S^T = K Qt over the query vectors that hold rows (decode: G rows, one vector).
        const int64_t nkr = (nk + KJ - 1) / KJ * KJ;
        if (nqv == 1) st_tile<1, KJ>(qt, kb, st, d, dp, nkr);
        else if (nqv == 2) st_tile<2, KJ>(qt, kb, st, d, dp, nkr);
        else if (nqv == 4) st_tile<4, KJ>(qt, kb, st, d, dp, nkr);
        else st_tile<NQ, KJ>(qt, kb, st, d, dp, nkr);
        if (cap)
            for (int64_t jj = 0; jj < nk; ++jj)
                for (int64_t i = 0; i < nqv * VW; ++i) st[jj * BQ + i] = capmul * std::tanh(st[jj * BQ + i]);
        for (int64_t jj = nk; jj < BK; ++jj)
            for (int64_t i = 0; i < BQ; ++i) st[jj * BQ + i] = -INFINITY;
        // Mask only tiles that some row does not see whole.
        if (j0 < lo_max || j0 + nk > hi_min) {
            for (int64_t jj = 0; jj < nk; ++jj) {
                const vi jv = vi{} + static_cast<int32_t>(j0 + jj);
                for (int n = 0; n < nqv; ++n) {
                    vi lv, hv;
                    std::memcpy(&lv, lo + n * VW, sizeof lv);
                    std::memcpy(&hv, hi + n * VW, sizeof hv);
                    const vi out = (jv < lv) | (jv >= hv);
                    const vf x = vload(st + jj * BQ + n * VW);
                    vstore(st + jj * BQ + n * VW, out ? splat(-INFINITY) : x);
                }
            }
        }

        // Online softmax, a vector of queries at a time.
        float alpha[BQ];
        for (int n = 0; n < nqv; ++n) {
            vf mx = splat(-INFINITY);
            for (int64_t jj = 0; jj < nk; ++jj) {
                const vf x = vload(st + jj * BQ + n * VW);
                mx = x > mx ? x : mx;
            }
            const vf mo = vload(m + n * VW);
            const vf mn = mx > mo ? mx : mo;
            const vf mu = mn == splat(-INFINITY) ? vf{} : mn;  // nothing visible yet: keep exp2 finite
            const vf al = vexp2(mo - mu);
            vf sum = vf{};
            for (int64_t jj = 0; jj < nk; ++jj) {
                const vf p = vexp2(vload(st + jj * BQ + n * VW) - mu);
                vstore(st + jj * BQ + n * VW, p);
                sum += p;
            }
            vstore(l + n * VW, vload(l + n * VW) * al + sum);
            vstore(m + n * VW, mn);
            vstore(alpha + n * VW, al);
        }
        for (int64_t i = 0; i < t.nq; ++i)
            if (alpha[i] != 1.0f) {
                const vf av = splat(alpha[i]);
                for (int64_t c = 0; c < dp; c += VW) vstore(o + i * dp + c, vload(o + i * dp + c) * av);
            }

        // O += P V over the tile's keys; masked probabilities are exactly 0.
        pv_tile(st, vt, o, t.nq, dp, nk);
    }

    E * out = static_cast<E *>(t.out);
    for (int64_t i = 0; i < t.nq; ++i) {
        const float inv = l[i] > 0 ? 1.0f / l[i] : 0.0f;
        const int64_t r = t.r0 + i;
        for (int64_t c = 0; c < d; ++c) out[(r / t.g) * t.out_rs + (r % t.g) * d + c] = from_f32<E>(o[i * dp + c] * inv);
        if (t.lse) t.lse[(r % t.g) * t.lse_hs + r / t.g] = l[i] > 0 ? (m[i] + std::log2(l[i])) * 0.6931471805599453f : -INFINITY;
    }
}

}  // namespace

extern const attn_kernels attn_table;
const attn_kernels attn_table = {{&block<float>, &block<f16_t>, &block<bf16_t>}};

}  // namespace xemb::cpu::XEMB_ISA_NS
