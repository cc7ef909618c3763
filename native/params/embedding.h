// embedding: out[..., :] = table[ids[...], :]  (torch.nn.functional.embedding, no padding_idx /
// max_norm). Data movement only: rows are copied as raw words, so any dtype works.
// Out-of-range ids cannot be checked here (the ids may still be being computed on the queue):
// the kernels check every id before writing and fail the op (see index.h, index_error).
#pragma once
#include <string>
#include "../op-args.h"
#include "gather.h"

namespace xemb {

struct embedding_params {
    tensor ids;     // [*lead] contiguous, i32 or i64, values in [0, V)
    tensor table;   // [V, D] any dtype, any strides
    tensor out;     // [*lead, D] contiguous, table.dtype
    int64_t v = 0;  // rows of the table
    int64_t d = 0;  // row length

    static status parse(op_id, const op_args & a, embedding_params & p) {
        static const char * const names[] = {"ids", "table"};
        XEMB_RETURN_IF_ERROR(expect_inputs("embedding", a, 2));
        XEMB_RETURN_IF_ERROR(expect_same_device("embedding", a, names));
        p.ids = a.inputs[0];
        p.table = a.inputs[1];
        XEMB_RETURN_IF_ERROR(check_index_tensor("embedding", "ids", p.ids));
        if (p.table.rank() != 2) return invalid_arg("embedding: expected table of shape [V, D], received " + p.table.shape.str());
        if (p.ids.rank() + 1 > max_rank)
            return invalid_arg("embedding: expected ids of rank <= " + std::to_string(max_rank - 1) + ", received rank " + std::to_string(p.ids.rank()));
        p.v = p.table.shape[0];
        p.d = p.table.shape[1];
        if (p.v == 0 && p.ids.numel() > 0) return invalid_arg("embedding: expected a table with at least one row, received " + p.table.shape.str());
        p.out.type = p.table.type;
        p.out.shape = p.ids.shape;
        p.out.shape.rank += 1;
        p.out.shape[p.out.shape.rank - 1] = p.d;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&ids, &table}; }
};

}  // namespace xemb
