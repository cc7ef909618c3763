// Body of the CPU attention block kernel (one query block of one head), included by one .cpp per
// ISA with XEMB_ISA_NS and XEMB_ATTN_VW (floats per vector) set. Online softmax in base 2
// (FlashAttention-2, arXiv 2307.08691, Algorithm 1): for each key tile of 64,
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

inline vf splat(float x) { return vf{} + x; }
inline vf vload(const float * p) { vf r; std::memcpy(&r, p, sizeof r); return r; }
inline void vstore(float * p, vf x) { std::memcpy(p, &x, sizeof x); }

// 2^x for x <= 0 (x = -inf -> 0): split x = n + f with f in [-0.5, 0.5) around n + 0.5, degree-7
// Taylor series of 2^f (relative error < 1e-8), exponent bits from n. x < -126 flushes to 0.
inline vf vexp2(vf x) {
    const vf lo = splat(-126.0f);
    vi small = x < lo;
    x = small ? lo : x;
    vi ni = __builtin_convertvector(x, vi);  // truncates toward zero
    vf nf = __builtin_convertvector(ni, vf);
    vi adj = nf > x;
    nf = adj ? nf - 1.0f : nf;
    ni = __builtin_convertvector(nf, vi);
    const vf f = (x - nf - 0.5f) * 0.6931471805599453f;  // (f - 1/2) ln 2, |.| <= 0.347
    vf p = splat(1.0f / 5040.0f);
    p = p * f + 1.0f / 720.0f;
    p = p * f + 1.0f / 120.0f;
    p = p * f + 1.0f / 24.0f;
    p = p * f + 1.0f / 6.0f;
    p = p * f + 0.5f;
    p = p * f + 1.0f;
    p = p * f + 1.0f;
    p = p * 1.4142135623730951f;
    const vi bits = (ni + 127) << 23;
    vf scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const vf r = p * scale;
    return small ? vf{} : r;
}

template <class E> inline float ld(const E * p, int64_t i) {
    if constexpr (std::is_same_v<E, float>) return p[i];
    else return to_f32(p[i]);
}

template <class E>
void block(const attn_task & t, float * scratch) {
    const int64_t d = t.d, dp = attn_dpad(d);
    float * qf = scratch;             // [BQ][dp] scaled queries
    float * kt = qf + BQ * dp;        // [d][BK]  K tile transposed
    float * vt = kt + d * BK;         // [BK][dp] V tile, zero padded
    float * s = vt + BK * dp;         // [BQ][BK] logits, then probabilities
    float * o = s + BQ * BK;          // [BQ][dp] unnormalised output
    float * m = o + BQ * dp;          // [BQ] running max (base-2 logits)
    float * l = m + BQ;               // [BQ] running sum
    const E * q = static_cast<const E *>(t.q);
    const E * k = static_cast<const E *>(t.k);
    const E * v = static_cast<const E *>(t.v);
    const bool cap = t.softcap > 0;
    const float qmul = cap ? t.scale / t.softcap : t.scale * log2e;
    const float capmul = t.softcap * log2e;
    auto qrow = [&](int64_t i) { const int64_t r = t.r0 + i; return (r / t.g) * t.q_rs + (r % t.g) * d; };
    for (int64_t i = 0; i < t.nq; ++i) {
        for (int64_t c = 0; c < d; ++c) qf[i * dp + c] = ld(q + qrow(i), c) * qmul;
        for (int64_t c = 0; c < dp; ++c) o[i * dp + c] = 0.0f;
        m[i] = -INFINITY;
        l[i] = 0.0f;
    }
    std::memset(vt, 0, sizeof(float) * BK * dp);

    // Key range of row i (position (r0 + i) / g of the segment): [lo(i), hi(i)); both grow with i.
    const int64_t shift = t.sk - t.sq;
    auto lo_of = [&](int64_t i) -> int64_t {
        if (t.left < 0) return 0;
        const int64_t x = (t.r0 + i) / t.g + shift - t.left;
        return x < 0 ? 0 : (x > t.sk ? t.sk : x);
    };
    auto hi_of = [&](int64_t i) -> int64_t {
        if (t.right < 0) return t.sk;
        const int64_t x = (t.r0 + i) / t.g + shift + t.right + 1;
        return x < 0 ? 0 : (x > t.sk ? t.sk : x);
    };
    const int64_t jlo = lo_of(0), jhi = hi_of(t.nq - 1);

    for (int64_t j0 = jlo; j0 < jhi; j0 += BK) {
        const int64_t nk = jhi - j0 < BK ? jhi - j0 : BK;
        for (int64_t jj = 0; jj < nk; ++jj) {
            const int64_t j = j0 + jj;
            const int64_t off = t.pages ? t.pages[j / t.page_size] * t.page_rs + (j % t.page_size) * t.kv_rs : j * t.kv_rs;
            const E * kr = k + off;
            const E * vr = v + off;
            for (int64_t c = 0; c < d; ++c) kt[c * BK + jj] = ld(kr, c);
            for (int64_t c = 0; c < d; ++c) vt[jj * dp + c] = ld(vr, c);
        }
        if (nk < BK) {
            for (int64_t c = 0; c < d; ++c)
                for (int64_t jj = nk; jj < BK; ++jj) kt[c * BK + jj] = 0.0f;
            for (int64_t jj = nk; jj < BK; ++jj)
                for (int64_t c = 0; c < dp; ++c) vt[jj * dp + c] = 0.0f;
        }

        // S = Qf Kt, two rows per pass so each K vector feeds two accumulators.
        int64_t i = 0;
        for (; i + 2 <= t.nq; i += 2) {
            vf a0[NV], a1[NV];
            for (int n = 0; n < NV; ++n) a0[n] = a1[n] = vf{};
            const float * q0p = qf + i * dp;
            const float * q1p = q0p + dp;
            for (int64_t c = 0; c < d; ++c) {
                const vf x0 = splat(q0p[c]), x1 = splat(q1p[c]);
                const float * kr = kt + c * BK;
                for (int n = 0; n < NV; ++n) {
                    const vf kv = vload(kr + n * VW);
                    a0[n] += x0 * kv;
                    a1[n] += x1 * kv;
                }
            }
            for (int n = 0; n < NV; ++n) {
                vstore(s + i * BK + n * VW, a0[n]);
                vstore(s + (i + 1) * BK + n * VW, a1[n]);
            }
        }
        for (; i < t.nq; ++i) {
            vf a0[NV];
            for (int n = 0; n < NV; ++n) a0[n] = vf{};
            for (int64_t c = 0; c < d; ++c) {
                const vf x0 = splat(qf[i * dp + c]);
                for (int n = 0; n < NV; ++n) a0[n] += x0 * vload(kt + c * BK + n * VW);
            }
            for (int n = 0; n < NV; ++n) vstore(s + i * BK + n * VW, a0[n]);
        }

        for (i = 0; i < t.nq; ++i) {
            float * sr = s + i * BK;
            if (cap)
                for (int64_t jj = 0; jj < nk; ++jj) sr[jj] = capmul * std::tanh(sr[jj]);
            // Mask: keys outside [lo, hi) of this row, and the tile's padding.
            int64_t a = lo_of(i) - j0, b = hi_of(i) - j0;
            if (a < 0) a = 0;
            if (b > nk) b = nk;
            if (b < a) b = a;
            for (int64_t jj = 0; jj < a; ++jj) sr[jj] = -INFINITY;
            for (int64_t jj = b; jj < BK; ++jj) sr[jj] = -INFINITY;
            if (a == b) {  // nothing visible in this tile: zero probabilities, row state unchanged
                for (int64_t jj = 0; jj < BK; ++jj) sr[jj] = 0.0f;
                continue;
            }
            vf mx = splat(-INFINITY);
            for (int n = 0; n < NV; ++n) {
                const vf x = vload(sr + n * VW);
                mx = x > mx ? x : mx;
            }
            float tmax = -INFINITY;
            for (int e = 0; e < VW; ++e) tmax = mx[e] > tmax ? mx[e] : tmax;
            const float mnew = tmax > m[i] ? tmax : m[i];
            const float alpha = std::exp2(m[i] - mnew);  // 0 on the first visible tile (m = -inf)
            vf sum = vf{};
            for (int n = 0; n < NV; ++n) {
                const vf p = vexp2(vload(sr + n * VW) - mnew);
                vstore(sr + n * VW, p);
                sum += p;
            }
            float tsum = 0.0f;
            for (int e = 0; e < VW; ++e) tsum += sum[e];
            l[i] = l[i] * alpha + tsum;
            m[i] = mnew;
            if (alpha != 1.0f) {
                const vf av = splat(alpha);
                for (int64_t c = 0; c < dp; c += VW) vstore(o + i * dp + c, vload(o + i * dp + c) * av);
            }
        }

        // O += P V over the tile's keys, rows in pairs; masked probabilities are exactly 0.
        for (i = 0; i < t.nq; i += 2) {
            const bool two = i + 1 < t.nq;
            const float * p0 = s + i * BK;
            const float * p1 = two ? p0 + BK : p0;
            for (int64_t c0 = 0; c0 < dp; c0 += 8 * VW) {
                const int nvc = static_cast<int>((dp - c0) / VW < 8 ? (dp - c0) / VW : 8);
                vf a0[8], a1[8];
                for (int n = 0; n < nvc; ++n) {
                    a0[n] = vload(o + i * dp + c0 + n * VW);
                    a1[n] = two ? vload(o + (i + 1) * dp + c0 + n * VW) : vf{};
                }
                for (int64_t jj = 0; jj < nk; ++jj) {
                    const vf x0 = splat(p0[jj]), x1 = splat(p1[jj]);
                    const float * vr = vt + jj * dp + c0;
                    for (int n = 0; n < nvc; ++n) {
                        const vf vv = vload(vr + n * VW);
                        a0[n] += x0 * vv;
                        a1[n] += x1 * vv;
                    }
                }
                for (int n = 0; n < nvc; ++n) {
                    vstore(o + i * dp + c0 + n * VW, a0[n]);
                    if (two) vstore(o + (i + 1) * dp + c0 + n * VW, a1[n]);
                }
            }
        }
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
