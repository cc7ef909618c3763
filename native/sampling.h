// The arithmetic of the sample op, shared by the CPU and CUDA kernels (host and device) so that
// both draw the same token: every step is an exact comparison, an integer sum (order-free), or a
// correctly rounded IEEE +, -, *, / in a fixed order (never contracted into an FMA, see philox.h).
//   z_i  = f32(logit_i) / f32(temperature), correctly rounded f32; NaN -> -inf; -0 -> +0
//   s_i  = z_i - max z (f64), 0 where z_i equals the max (so +inf logits share the mass equally)
//   q_i  = floor(exp(s_i) * 2^40) as an integer (0 below s = -28): probability mass in fixed point,
//          so sums over the vocabulary are exact and independent of the reduction order
//   draw = argmax over the kept i of s_i - ln(E_i), E_i = -ln(u_i) ~ Exp(1), u_i in (0, 1) with 52
//          Philox bits from counter (row * V + i, offset) and key seed (the Gumbel-max trick:
//          P(draw = i) = softmax(s)_i over the kept set); ties go to the lower index.
// exp and ln are series evaluated with + and * only (accuracy ~1e-16, far below what sampling
// can resolve); what matters is that both backends evaluate them identically.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include "hd.h"
#include "philox.h"

namespace xemb {

constexpr double sample_q_one = 1099511627776.0;  // 2^40: fixed-point scale of q
constexpr double sample_q_cutoff = -28.0;          // exp(-28) * 2^40 < 1: q is 0 below

XEMB_HD uint64_t smp_dbits(double x) {
#if defined(__CUDA_ARCH__)
    return static_cast<uint64_t>(__double_as_longlong(x));
#else
    uint64_t b;
    std::memcpy(&b, &x, 8);
    return b;
#endif
}
XEMB_HD double smp_from_dbits(uint64_t b) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(static_cast<long long>(b));
#else
    double x;
    std::memcpy(&x, &b, 8);
    return x;
#endif
}
XEMB_HD uint32_t smp_fbits(float x) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(x);
#else
    uint32_t b;
    std::memcpy(&b, &x, 4);
    return b;
#endif
}
XEMB_HD float smp_from_fbits(uint32_t b) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(b);
#else
    float x;
    std::memcpy(&x, &b, 4);
    return x;
#endif
}

// z for one logit (already widened to f32).
XEMB_HD float sample_z(float logit, float temperature) {
    if (logit != logit) return -INFINITY;
#if defined(__CUDA_ARCH__)
    float z = __fdiv_rn(logit, temperature);
#else
    float z = logit / temperature;
#endif
    return z == 0.0f ? 0.0f : z;
}

// Unsigned key with the order of the f32 values (z is never NaN and never -0).
XEMB_HD uint32_t sample_key(float z) {
    const uint32_t b = smp_fbits(z);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
XEMB_HD float sample_key_value(uint32_t k) { return smp_from_fbits((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k); }
constexpr uint32_t sample_key_neg_inf = 0x007fffffu;  // sample_key(-inf)

XEMB_HD double sample_s(float z, float m) {
    if (z == m) return 0.0;
    return rng_add(static_cast<double>(z), -static_cast<double>(m));
}

// One Horner step p * x + c, rounded twice (never fused).
XEMB_HD double smp_horner(double p, double x, double c) { return rng_add(c, rng_mul(p, x)); }

// exp(s) for s in [-28, 0]: s = k ln2 + r (Cody-Waite split, k ln2_hi exact), Taylor series of
// degree 14 on |r| <= 0.35 by Horner with the coefficients 1/j! (compile-time constants: k! is
// exact in f64 for k <= 14, so every compiler folds 1.0 / k! to the same correctly rounded double).
XEMB_HD double sample_exp(double s) {
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double k = floor(rng_add(rng_mul(s, 1.44269504088896338700), 0.5));
    const double r = rng_add(rng_add(s, -rng_mul(k, ln2_hi)), -rng_mul(k, ln2_lo));
    double p = 1.0 / 87178291200.0;
    p = smp_horner(p, r, 1.0 / 6227020800.0);
    p = smp_horner(p, r, 1.0 / 479001600.0);
    p = smp_horner(p, r, 1.0 / 39916800.0);
    p = smp_horner(p, r, 1.0 / 3628800.0);
    p = smp_horner(p, r, 1.0 / 362880.0);
    p = smp_horner(p, r, 1.0 / 40320.0);
    p = smp_horner(p, r, 1.0 / 5040.0);
    p = smp_horner(p, r, 1.0 / 720.0);
    p = smp_horner(p, r, 1.0 / 120.0);
    p = smp_horner(p, r, 1.0 / 24.0);
    p = smp_horner(p, r, 1.0 / 6.0);
    p = smp_horner(p, r, 0.5);
    p = smp_horner(p, r, 1.0);
    p = smp_horner(p, r, 1.0);
    return rng_mul(p, smp_from_dbits(static_cast<uint64_t>(static_cast<int64_t>(k) + 1023) << 52));
}

XEMB_HD uint64_t sample_q(double s) {
    if (!(s >= sample_q_cutoff)) return 0;
    return static_cast<uint64_t>(rng_mul(sample_exp(s), sample_q_one));
}

// ln(x) for normal positive x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(z),
// z = (m - 1) / (m + 1), |z| < 0.1716: 13 odd terms by Horner in z^2 with the coefficients
// 1/(2j+1) (compile-time constants, correctly rounded by every compiler).
XEMB_HD double sample_log(double x) {
    const uint64_t b = smp_dbits(x);
    int e = static_cast<int>((b >> 52) & 0x7ff) - 1023;
    double m = smp_from_dbits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    if (m > 1.41421356237309504880) {
        m = rng_mul(m, 0.5);
        e += 1;
    }
    const double z = rng_add(m, -1.0) / rng_add(m, 1.0);
    const double z2 = rng_mul(z, z);
    double p = 1.0 / 25.0;
    p = smp_horner(p, z2, 1.0 / 23.0);
    p = smp_horner(p, z2, 1.0 / 21.0);
    p = smp_horner(p, z2, 1.0 / 19.0);
    p = smp_horner(p, z2, 1.0 / 17.0);
    p = smp_horner(p, z2, 1.0 / 15.0);
    p = smp_horner(p, z2, 1.0 / 13.0);
    p = smp_horner(p, z2, 1.0 / 11.0);
    p = smp_horner(p, z2, 1.0 / 9.0);
    p = smp_horner(p, z2, 1.0 / 7.0);
    p = smp_horner(p, z2, 1.0 / 5.0);
    p = smp_horner(p, z2, 1.0 / 3.0);
    p = smp_horner(p, z2, 1.0);
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double de = static_cast<double>(e);
    return rng_add(rng_add(rng_mul(rng_mul(2.0, z), p), rng_mul(de, ln2_lo)), rng_mul(de, ln2_hi));
}

// The 52 uniform bits of element `index` (= row * V + i): Philox words 0 and 1 of counter
// (index, offset) under key seed.
XEMB_HD uint64_t sample_u52(uint64_t seed, uint64_t offset, uint64_t index) {
    const philox_out o = philox4x32_10(static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), static_cast<uint32_t>(offset),
                                       static_cast<uint32_t>(offset >> 32), static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    return (static_cast<uint64_t>(o.v[0]) << 20) | (o.v[1] >> 12);
}

// Gumbel-max score s - ln(E), E = -ln(u), u = (u52 + 1/2) 2^-52 (exact) in (0, 1).
XEMB_HD double sample_score_u52(double s, uint64_t u52) {
    const double u = rng_mul(rng_add(static_cast<double>(u52), 0.5), 2.220446049250313080847e-16);
    const double e = -sample_log(u);
    return rng_add(s, -sample_log(e));
}

XEMB_HD double sample_score(double s, uint64_t seed, uint64_t offset, uint64_t index) { return sample_score_u52(s, sample_u52(seed, offset, index)); }

// A cheap upper bound of sample_score_u52(s, u52), for skipping elements that cannot beat a
// score already found (a pure speed-up: the draw is unchanged). With d = 1 - u: -ln u >= d, so
// the score is <= s - ln d <= s - floor(log2 d) ln 2; floor(log2 d) comes from the bits of the
// odd integer D = d 2^53. 1e-9 covers the rounding of the series (~1e-14 at these magnitudes).
XEMB_HD double sample_score_bound(double s, uint64_t u52) {
    const uint64_t d = (uint64_t(1) << 53) - 2 * u52 - 1;  // odd, >= 1
#if defined(__CUDA_ARCH__)
    const int lg = 63 - __clzll(static_cast<long long>(d)) - 53;
#else
    const int lg = 63 - __builtin_clzll(d) - 53;
#endif
    return rng_add(rng_add(s, -rng_mul(static_cast<double>(lg), 0.69314718055994530942)), 1e-9);
}

// A score beats another when larger; equal scores go to the lower index.
XEMB_HD bool sample_better(double sa, int64_t ia, double sb, int64_t ib) { return sa > sb || (sa == sb && ia < ib); }

// The radix threshold search (top-k with weight 1 per key, top-p with weight q): `below(A)`
// says whether a key with total weight A strictly above it is kept. Given one digit's
// histograms (count, weight) under the current prefix and the weight above the prefix, returns
// the lowest non-empty bin whose highest key is kept, and the weight above that bin.
struct sample_cut {
    bool by_mass = false;  // top-p: (double)A < pz; top-k: A < k
    uint64_t k = 0;
    double pz = 0;
    XEMB_HD bool below(uint64_t a) const { return by_mass ? static_cast<double>(a) < pz : a < k; }
};

}  // namespace xemb
