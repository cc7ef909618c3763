// Counter-based RNG shared by CPU and CUDA: Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11; constants from Random123). Element i of a draw with
// seed s uses key = (lo32(s), hi32(s)) and counter = (i / 4 lo, i / 4 hi, offset lo, offset hi),
// output word i % 4, so any thread can produce any element and every backend produces the same
// bits. The float transforms below use only IEEE-exact operations (+, -, *, /, sqrt, all
// correctly rounded, no contraction), so CPU and CUDA agree bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include "hd.h"

namespace xemb {

struct philox_out { uint32_t v[4]; };

XEMB_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t & hi, uint32_t & lo) {
    uint64_t p = static_cast<uint64_t>(a) * b;
    hi = static_cast<uint32_t>(p >> 32);
    lo = static_cast<uint32_t>(p);
}

XEMB_HD philox_out philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        uint32_t hi0, lo0, hi1, lo1;
        philox_mulhilo(0xD2511F53u, c0, hi0, lo0);
        philox_mulhilo(0xCD9E8D57u, c2, hi1, lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0;
        uint32_t n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return philox_out{{c0, c1, c2, c3}};
}

// The 32 random bits for element `index` of the stream (seed, offset).
XEMB_HD uint32_t philox_bits(uint64_t seed, uint64_t offset, uint64_t index) {
    uint64_t block = index >> 2;
    philox_out o = philox4x32_10(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                 static_cast<uint32_t>(offset), static_cast<uint32_t>(offset >> 32),
                                 static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    return o.v[index & 3];
}

// Uniform in [0, 1) with 24 random bits: exact in f32 and f64.
XEMB_HD double philox_unit(uint32_t bits) { return static_cast<double>(bits >> 8) * (1.0 / 16777216.0); }

// The arithmetic helpers below must not be fused into FMAs (that would change the bits on one
// backend only): device code uses the _rn intrinsics, which nvcc never contracts; host code is
// compiled with -ffp-contract=off (see CMakeLists.txt).
XEMB_HD double rng_mul(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
XEMB_HD double rng_add(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

// ln(x) for x in (0, 1]: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(z), z = (m-1)/(m+1),
// |z| < 0.1716, series to z^29: truncation error < 1e-24, far below f32 resolution.
XEMB_HD double rng_log(double x) {
    int e = 0;
    while (x < 0.70710678118654752) { x = rng_mul(x, 2.0); --e; }  // exact scaling by 2
    double z = (x - 1.0) / (x + 1.0);
    double z2 = rng_mul(z, z);
    double term = z, sum = 0.0;
    for (int k = 1; k <= 29; k += 2) {
        sum = rng_add(sum, term / static_cast<double>(k));
        term = rng_mul(term, z2);
    }
    return rng_add(rng_mul(2.0, sum), rng_mul(static_cast<double>(e), 0.69314718055994530942));
}

// cos(2*pi*t) and sin(2*pi*t) for t in [0, 1): quadrant from t, Taylor series on [-pi/4, pi/4].
XEMB_HD void rng_sincos_2pi(double t, double & s, double & c) {
    double q = t * 4.0;  // exact
    int quad = static_cast<int>(q + 0.5);  // nearest quadrant 0..4
    double r = rng_mul(q - static_cast<double>(quad), 1.57079632679489661923);  // |r| <= pi/4
    double r2 = rng_mul(r, r);
    double sn = 0.0, cs = 0.0, ts = r, tc = 1.0;
    for (int k = 0; k < 12; ++k) {
        sn = rng_add(sn, ts);
        cs = rng_add(cs, tc);
        ts = rng_mul(ts, -r2 / static_cast<double>((2 * k + 2) * (2 * k + 3)));
        tc = rng_mul(tc, -r2 / static_cast<double>((2 * k + 1) * (2 * k + 2)));
    }
    switch (quad & 3) {
        case 0: s = sn; c = cs; break;
        case 1: s = cs; c = -sn; break;
        case 2: s = -sn; c = -cs; break;
        default: s = -cs; c = sn; break;
    }
}

// Standard normal for element `index`: Box-Muller on the pair (2j, 2j+1) of the uniform stream,
// element 2j takes the cosine branch and 2j+1 the sine branch.
XEMB_HD double philox_normal(uint64_t seed, uint64_t offset, uint64_t index) {
    uint64_t pair = index >> 1;
    uint32_t b0 = philox_bits(seed, offset, pair * 2);
    uint32_t b1 = philox_bits(seed, offset, pair * 2 + 1);
    double u1 = 1.0 - philox_unit(b0);  // (0, 1]: log is finite
    double u2 = philox_unit(b1);
    double rad = sqrt(rng_mul(-2.0, rng_log(u1)));
    double s, c;
    rng_sincos_2pi(u2, s, c);
    return rng_mul(rad, (index & 1) ? s : c);
}

}  // namespace xemb
