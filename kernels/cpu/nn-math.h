// Branch-free f32 math for the nn kernels (activation, softmax), written as plain selects so the
// compiler vectorizes it for each per-ISA file that includes it. vexp: Cephes expf (Moshier),
// range reduction by n = round(x log2 e) with ln 2 split in two, degree-6 polynomial, 2^n from
// the exponent bits; about 1 ulp over [-87, 88.7] (checked against fp64 in the op tests).
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

namespace xemb::cpu::nnmath {

inline float bits_to_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

// e^x: NaN -> NaN, x > 88.72 -> inf, x < -87 -> 0 (the true value is < 1.7e-38; the callers
// add it to 1 or to a sum that holds at least 1)
inline float vexp(float x) {
    const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // round-to-nearest through the 1.5 * 2^23 magic constant (no SSE4.1 round needed)
    const float magic = 12582912.0f;
    const float t = xc * 1.44269504088896341f + magic;
    const float n = t - magic;
    int32_t ni;
    std::memcpy(&ni, &t, 4);
    ni -= 0x4b400000;  // bits of the magic constant: t's low mantissa bits hold n
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * (r * r) + r + 1.0f;
    const float scaled = y * bits_to_f32(static_cast<uint32_t>(ni + 127) << 23);
    float res = x > 88.72283935546875f ? std::numeric_limits<float>::infinity() : scaled;
    res = x < -87.0f ? 0.0f : res;
    return x != x ? x : res;
}

// x * sigmoid(x) in PyTorch's form x / (1 + e^-x): -inf -> NaN like torch (-inf / inf)
inline float silu(float x) { return x / (1.0f + vexp(-x)); }

// 0.5 x (1 + tanh(u)) = x / (1 + e^(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3): the same function
// without the cancellation of 1 + tanh(u) for large negative x
inline float gelu_tanh(float x) {
    const float u = 0.7978845608028654f * (x + 0.044715f * (x * x * x));
    return x / (1.0f + vexp(-2.0f * u));
}

// erfc(z), branch-free: |z| < 0.5 through erf's Taylor series (odd, to z^25), 1 - erf; else the
// Chebyshev fit erfc(a) = t exp(-a^2 + P(t)), t = 1 / (1 + a/2) (Numerical Recipes 6.2, fractional
// error < 1.2e-7 in exact arithmetic), 2 - erfc(-z) for z < 0. Measured in f32 against f64:
// relative error < 5e-7 for |z| <= 2, growing to ~1.5e-5 at z = 9 (the rounding of a^2 in the
// exponent), where PyTorch's 1 + erf(x / sqrt 2) has cancelled to no correct digits.
inline float erfc(float z) {
    const float a = z < 0.0f ? -z : z;
    // series: erf(z) = 2/sqrt(pi) z sum_n (-z^2)^n / (n! (2n+1))
    const float z2 = z * z;
    float s = -1.0f / (12.0f * 479001600.0f * 25.0f);  // n = 12: 12! = 479001600
    s = s * z2 + 1.0f / (39916800.0f * 23.0f);
    s = s * z2 - 1.0f / (3628800.0f * 21.0f);
    s = s * z2 + 1.0f / (362880.0f * 19.0f);
    s = s * z2 - 1.0f / (40320.0f * 17.0f);
    s = s * z2 + 1.0f / (5040.0f * 15.0f);
    s = s * z2 - 1.0f / (720.0f * 13.0f);
    s = s * z2 + 1.0f / (120.0f * 11.0f);
    s = s * z2 - 1.0f / (24.0f * 9.0f);
    s = s * z2 + 1.0f / (6.0f * 7.0f);
    s = s * z2 - 1.0f / (2.0f * 5.0f);
    s = s * z2 + 1.0f / 3.0f;
    s = s * z2 - 1.0f;
    const float erf_small = -(1.1283791670955126f * z) * s;  // 2/sqrt(pi) z (1 - z^2/3 + ...)
    const float small = 1.0f - erf_small;
    const float t = 1.0f / (1.0f + 0.5f * a);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    const float tail = t * vexp(-a * a + p);
    const float big = z < 0.0f ? 2.0f - tail : tail;
    const float r = a < 0.5f ? small : big;
    return z != z ? z : r;
}

// exact GELU x * Phi(x) = 0.5 x erfc(-x / sqrt 2)
inline float gelu(float x) { return 0.5f * x * erfc(-x * 0.70710678118654752f); }

}  // namespace xemb::cpu::nnmath
