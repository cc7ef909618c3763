// Shared CPU helpers: element types per dtype, f32 load/store, and an N-d walker that splits a
// broadcast/strided iteration into rows of the (coalesced) innermost dimension.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../../native/dtype.h"
#include "../../native/elem.h"
#include "../../native/tensor.h"

namespace xemb::cpu {

// Up to three operands iterated over one shape; operand 0 is usually the contiguous output.
// Adjacent dims are merged when every operand's strides allow it, so a contiguous case becomes one
// long row and broadcasting costs one div/mod chain per row, not per element.
struct row_walker {
    static constexpr int max_ops = 3;
    int rank = 0;
    int n_ops = 0;
    int64_t dims[max_rank] = {};
    int64_t strides[max_ops][max_rank] = {};  // elements

    row_walker(const shape_t & shape, const shape_t * const * op_strides, int ops) : n_ops(ops) {
        for (int d = 0; d < shape.rank; ++d) {
            if (shape[d] == 1) continue;  // size-1 dims never move the index
            if (rank > 0) {
                bool merge = true;
                for (int o = 0; o < ops; ++o)
                    if (strides[o][rank - 1] != (*op_strides[o])[d] * shape[d]) merge = false;
                if (merge) {
                    dims[rank - 1] *= shape[d];
                    for (int o = 0; o < ops; ++o) strides[o][rank - 1] = (*op_strides[o])[d];
                    continue;
                }
            }
            dims[rank] = shape[d];
            for (int o = 0; o < ops; ++o) strides[o][rank] = (*op_strides[o])[d];
            ++rank;
        }
        if (rank == 0) {  // scalar or all-ones shape: one row of one element
            rank = 1;
            dims[0] = shape.numel() == 0 ? 0 : 1;
            for (int o = 0; o < ops; ++o) strides[o][0] = 0;
        }
    }
    int64_t row_len() const { return dims[rank - 1]; }
    int64_t rows() const {
        int64_t r = 1;
        for (int d = 0; d < rank - 1; ++d) r *= dims[d];
        return dims[rank - 1] == 0 ? 0 : r;
    }
    // element offset of operand `o` at the start of row `r`
    int64_t row_offset(int o, int64_t r) const {
        int64_t off = 0;
        for (int d = rank - 2; d >= 0; --d) {
            int64_t i = r % dims[d];
            r /= dims[d];
            off += i * strides[o][d];
        }
        return off;
    }
    int64_t inner_stride(int o) const { return strides[o][rank - 1]; }
};

// Rows per parallel chunk so that each chunk carries at least ~32k elements of work.
inline int64_t row_grain(int64_t row_len) { return row_len >= 32768 ? 1 : 32768 / (row_len > 0 ? row_len : 1); }

}  // namespace xemb::cpu
