// Element types and conversion rules shared by the CPU and CUDA kernels (host and device), so
// cast/fill/arange give the same bits on every backend. Rules: params/cast.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "dtype.h"
#include "half.h"
#include "hd.h"

namespace xemb {

struct f16_t { uint16_t bits; };
struct bf16_t { uint16_t bits; };
struct bool_t { uint8_t v; };

template <class T> constexpr bool is_half_v = std::is_same_v<T, f16_t> || std::is_same_v<T, bf16_t>;
template <class T> constexpr bool is_floatish_v = std::is_same_v<T, float> || is_half_v<T>;

template <class T> XEMB_HD float to_f32(T x) {
    if constexpr (std::is_same_v<T, f16_t>) return f16_to_f32(x.bits);
    else if constexpr (std::is_same_v<T, bf16_t>) return bf16_to_f32(x.bits);
    else if constexpr (std::is_same_v<T, bool_t>) return x.v ? 1.0f : 0.0f;
    else return static_cast<float>(x);
}

template <class T> XEMB_HD T from_f32(float x) {
    if constexpr (std::is_same_v<T, f16_t>) return f16_t{f32_to_f16(x)};
    else if constexpr (std::is_same_v<T, bf16_t>) return bf16_t{f32_to_bf16(x)};
    else if constexpr (std::is_same_v<T, bool_t>) return bool_t{static_cast<uint8_t>(x != 0.0f)};
    else return static_cast<T>(x);
}

template <class T> struct int_range;
template <> struct int_range<int32_t> { static constexpr double lo = -2147483648.0, hi = 2147483647.0; };
template <> struct int_range<int64_t> { static constexpr double lo = -9223372036854775808.0, hi = 9223372036854775807.0; };
template <> struct int_range<uint8_t> { static constexpr double lo = 0.0, hi = 255.0; };

// Real -> integer: truncate toward zero, saturate, NaN -> 0.
template <class D> XEMB_HD D int_from_real(double v) {
    if (v != v) return D(0);
    v = trunc(v);
    if (v <= int_range<D>::lo) return static_cast<D>(int_range<D>::lo);
    if (v >= int_range<D>::hi) {
        if constexpr (std::is_same_v<D, int64_t>) return INT64_MAX;  // 2^63 - 1 is not a double
        else return static_cast<D>(int_range<D>::hi);
    }
    return static_cast<D>(v);
}

// A value computed in f64 (fill, arange, random) stored as T: floats round via f32 once.
template <class T> XEMB_HD T from_f64(double v) {
    if constexpr (is_floatish_v<T>) return from_f32<T>(static_cast<float>(v));
    else if constexpr (std::is_same_v<T, bool_t>) return bool_t{static_cast<uint8_t>(v != 0.0)};
    else return static_cast<T>(v);
}

template <class S, class D> XEMB_HD D convert(S s) {
    if constexpr (std::is_same_v<S, D>) {
        return s;
    } else if constexpr (std::is_same_v<D, bool_t>) {
        if constexpr (is_floatish_v<S>) return bool_t{static_cast<uint8_t>(to_f32(s) != 0.0f)};
        else if constexpr (std::is_same_v<S, bool_t>) return s;
        else return bool_t{static_cast<uint8_t>(s != 0)};
    } else if constexpr (std::is_same_v<S, bool_t>) {
        if constexpr (is_floatish_v<D>) return from_f32<D>(s.v ? 1.0f : 0.0f);
        else return static_cast<D>(s.v);
    } else if constexpr (is_floatish_v<D>) {
        if constexpr (is_floatish_v<S>) return from_f32<D>(to_f32(s));
        else return from_f32<D>(static_cast<float>(s));
    } else if constexpr (is_floatish_v<S>) {
        return int_from_real<D>(static_cast<double>(to_f32(s)));
    } else {
        return static_cast<D>(s);  // integer -> integer wraps modulo 2^bits (two's complement)
    }
}

// Calls f(T{}) with T the storage type of dtype `t` (host code: kernels dispatch on it).
template <class F>
inline void with_dtype(dtype t, F && f) {
    switch (t) {
        case dtype::f32: f(float{}); break;
        case dtype::f16: f(f16_t{}); break;
        case dtype::bf16: f(bf16_t{}); break;
        case dtype::i32: f(int32_t{}); break;
        case dtype::i64: f(int64_t{}); break;
        case dtype::u8: f(uint8_t{}); break;
        case dtype::boolean: f(bool_t{}); break;
    }
}

}  // namespace xemb
