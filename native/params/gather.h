// index_select(x, dim, index): out = x with dim `dim` replaced by x[..., index[j], ...]
//   (torch.index_select);
// gather(x, dim, index): out[i_0..i_r] = x[i_0.., index[i_0..i_r] (at dim), ..i_r] (torch.gather);
// scatter_rows(x, index, src): out = x, then out[index[i]] = src[i] for i in order, so a row named
//   twice holds the LAST src row that names it (deterministic; torch.index_put_ leaves duplicates
//   undefined). Puts image embeddings at image-token positions: x [tokens, D], src [images, D].
// Indices are i32 or i64 in [0, size) (no negative indices, like index_select and gather). They
// may still be being computed when the op is called, so kernels check them when they run: the
// op then fails (INVALID_ARGUMENT naming the first bad position and value, at the next sync) and
// its output is poisoned; nothing is read or written out of range on any backend.
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

inline status check_index_tensor(const char * op, const char * name, const tensor & t) {
    if (t.type != dtype::i32 && t.type != dtype::i64)
        return invalid_arg(std::string(op) + ": expected " + name + " with dtype i32 or i64, received " + dtype_name(t.type));
    if (!t.is_contiguous())
        return invalid_arg(std::string(op) + ": expected " + name + " contiguous, received strides " + t.strides.str());
    return status::success();
}

// The error a kernel returns for the first out-of-range index (same text on every backend).
inline status index_error(const char * op, const char * name, int64_t pos, int64_t value, int64_t size) {
    return invalid_arg(std::string(op) + ": expected " + name + " values in [0, " + std::to_string(size) + "), received " + std::to_string(value) +
                       " at " + name + "[" + std::to_string(pos) + "] (flat position)");
}

inline status normalize_dim(const char * op, int64_t dim, int rank, int & out) {
    const int64_t r = rank == 0 ? 1 : rank;
    if (dim < -r || dim >= r)
        return invalid_arg(std::string(op) + ": expected dim in [" + std::to_string(-r) + ", " + std::to_string(r - 1) + "], received " + std::to_string(dim));
    out = static_cast<int>(dim < 0 ? dim + r : dim);
    return status::success();
}

struct index_params {
    enum class kind { select, gather, scatter_rows } k = kind::select;
    const char * op = "index_select";
    tensor x;            // select: [*] contiguous; gather: [*] any strides; scatter_rows: [R, *rest] contiguous
    tensor index;        // select: [n]; gather: rank of x, index.size(d) <= x.size(d) for d != dim; scatter_rows: [n]. i32/i64, contiguous
    tensor src;          // scatter_rows only: [n, *rest] contiguous, x.dtype
    tensor out;          // select: x.shape with shape[dim] = n; gather: index.shape; scatter_rows: x.shape. x.dtype
    int dim = 0;
    int64_t outer = 0;   // select / scatter_rows: prod(x.shape[:dim]) (scatter_rows: 1)
    int64_t size = 0;    // x.shape[dim]: the valid index range is [0, size)
    int64_t inner = 0;   // select / scatter_rows: prod(x.shape[dim+1:]) (row length in elements)
    int64_t n = 0;       // number of indices

    static status parse(op_id id, const op_args & a, index_params & p) {
        static const char * const names[] = {"x", "index", "src"};
        p.k = id == op_id::gather ? kind::gather : id == op_id::scatter_rows ? kind::scatter_rows : kind::select;
        p.op = id == op_id::gather ? "gather" : id == op_id::scatter_rows ? "scatter_rows" : "index_select";
        const char * op = p.op;
        XEMB_RETURN_IF_ERROR(expect_inputs(op, a, p.k == kind::scatter_rows ? 3 : 2));
        XEMB_RETURN_IF_ERROR(expect_same_device(op, a, names));
        p.x = a.inputs[0];
        p.index = a.inputs[1];
        XEMB_RETURN_IF_ERROR(check_index_tensor(op, "index", p.index));
        p.n = p.index.numel();
        if (p.k == kind::scatter_rows) return parse_scatter(a, p);
        int64_t dim = 0;
        XEMB_RETURN_IF_ERROR(get_int(op, a, "dim", dim));
        XEMB_RETURN_IF_ERROR(normalize_dim(op, dim, p.x.rank(), p.dim));
        if (p.x.rank() == 0) return invalid_arg(std::string(op) + ": expected x of rank >= 1, received a scalar");
        p.size = p.x.shape[p.dim];
        if (p.k == kind::select) {
            if (p.index.rank() != 1) return invalid_arg("index_select: expected index of rank 1, received shape " + p.index.shape.str());
            if (!p.x.is_contiguous()) return invalid_arg("index_select: expected x contiguous, received strides " + p.x.strides.str());
            p.outer = 1;
            for (int d = 0; d < p.dim; ++d) p.outer *= p.x.shape[d];
            p.inner = 1;
            for (int d = p.dim + 1; d < p.x.rank(); ++d) p.inner *= p.x.shape[d];
            p.out.shape = p.x.shape;
            p.out.shape[p.dim] = p.n;
        } else {
            if (p.index.rank() != p.x.rank())
                return invalid_arg("gather: expected index of the rank of x (" + std::to_string(p.x.rank()) + "), received shape " + p.index.shape.str());
            for (int d = 0; d < p.x.rank(); ++d)
                if (d != p.dim && p.index.shape[d] > p.x.shape[d])
                    return invalid_arg("gather: expected index.shape[" + std::to_string(d) + "] <= " + std::to_string(p.x.shape[d]) + " (x " + p.x.shape.str() +
                                       "), received index " + p.index.shape.str());
            p.out.shape = p.index.shape;
        }
        if (p.size == 0 && p.n > 0)
            return invalid_arg(std::string(op) + ": expected x.shape[" + std::to_string(p.dim) + "] > 0 to index into, received x " + p.x.shape.str());
        p.out.type = p.x.type;
        return status::success();
    }

    static status parse_scatter(const op_args & a, index_params & p) {
        p.src = a.inputs[2];
        if (p.x.rank() < 1) return invalid_arg("scatter_rows: expected x of rank >= 1, received a scalar");
        if (p.index.rank() != 1) return invalid_arg("scatter_rows: expected index of rank 1, received shape " + p.index.shape.str());
        if (!p.x.is_contiguous()) return invalid_arg("scatter_rows: expected x contiguous, received strides " + p.x.strides.str());
        if (!p.src.is_contiguous()) return invalid_arg("scatter_rows: expected src contiguous, received strides " + p.src.strides.str());
        if (p.src.type != p.x.type)
            return invalid_arg(std::string("scatter_rows: expected src with the dtype of x (") + dtype_name(p.x.type) + "), received " + dtype_name(p.src.type));
        shape_t want = p.x.shape;
        want[0] = p.n;
        if (!(p.src.shape == want)) return invalid_arg("scatter_rows: expected src of shape " + want.str() + " (index " + p.index.shape.str() + ", x " + p.x.shape.str() + "), received " + p.src.shape.str());
        p.dim = 0;
        p.outer = 1;
        p.size = p.x.shape[0];
        p.inner = 1;
        for (int d = 1; d < p.x.rank(); ++d) p.inner *= p.x.shape[d];
        if (p.size == 0 && p.n > 0) return invalid_arg("scatter_rows: expected x with at least one row to write into, received " + p.x.shape.str());
        p.out.shape = p.x.shape;
        p.out.type = p.x.type;
        return status::success();
    }

    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const {
        if (k == kind::scatter_rows) return {&x, &index, &src};
        return {&x, &index};
    }
};

}  // namespace xemb
