// Element types shared by every backend. Names match the TS DType strings.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xemb {

enum class dtype : uint8_t { f32, f16, bf16, i32, i64, u8, boolean };
constexpr int dtype_count = 7;

constexpr size_t dtype_size(dtype t) {
    switch (t) {
        case dtype::f32: case dtype::i32: return 4;
        case dtype::f16: case dtype::bf16: return 2;
        case dtype::i64: return 8;
        case dtype::u8: case dtype::boolean: return 1;
    }
    return 0;
}

constexpr const char * dtype_name(dtype t) {
    switch (t) {
        case dtype::f32: return "f32";
        case dtype::f16: return "f16";
        case dtype::bf16: return "bf16";
        case dtype::i32: return "i32";
        case dtype::i64: return "i64";
        case dtype::u8: return "u8";
        case dtype::boolean: return "bool";
    }
    return "?";
}

inline bool dtype_from_name(std::string_view s, dtype & out) {
    for (int i = 0; i < dtype_count; ++i) {
        if (s == dtype_name(static_cast<dtype>(i))) { out = static_cast<dtype>(i); return true; }
    }
    return false;
}

constexpr bool dtype_is_float(dtype t) { return t == dtype::f32 || t == dtype::f16 || t == dtype::bf16; }
constexpr bool dtype_is_int(dtype t) { return t == dtype::i32 || t == dtype::i64 || t == dtype::u8; }

}  // namespace xemb
