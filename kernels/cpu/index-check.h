// Reading i32/i64 index tensors and rejecting out-of-range values before a kernel writes
// anything (params/gather.h: the failure names the first bad position and its value).
#pragma once
#include <cstdint>
#include "../../native/params/gather.h"

namespace xemb::cpu {

inline int64_t index_at(const tensor & t, int64_t i) {
    return t.type == dtype::i32 ? static_cast<int64_t>(t.ptr<int32_t>()[i]) : t.ptr<int64_t>()[i];
}

inline status check_indices(const char * op, const char * name, const tensor & idx, int64_t size) {
    const int64_t n = idx.numel();
    if (idx.type == dtype::i32) {
        const int32_t * p = idx.ptr<int32_t>();
        for (int64_t i = 0; i < n; ++i)
            if (p[i] < 0 || p[i] >= size) return index_error(op, name, i, p[i], size);
    } else {
        const int64_t * p = idx.ptr<int64_t>();
        for (int64_t i = 0; i < n; ++i)
            if (p[i] < 0 || p[i] >= size) return index_error(op, name, i, p[i], size);
    }
    return status::success();
}

// Calls f(W{}) with W an unsigned word of the element size (data movement never looks inside).
template <class F>
inline void with_word(dtype t, F && f) {
    switch (dtype_size(t)) {
        case 1: f(uint8_t{}); break;
        case 2: f(uint16_t{}); break;
        case 4: f(uint32_t{}); break;
        default: f(uint64_t{}); break;
    }
}

}  // namespace xemb::cpu
