// argmax(x, dim): out = index of the largest x along dim (torch.argmax, keepdim=False): ties give
// the FIRST index, and a NaN counts as larger than every number, so a row holding NaN gives the
// index of its first NaN (as PyTorch). -0 and +0 are equal.
#pragma once
#include <string>
#include "../op-args.h"
#include "gather.h"

namespace xemb {

struct argmax_params {
    tensor x;           // [*pre, n, *post] contiguous, f32/f16/bf16, n >= 1
    tensor out;         // [*pre, *post] contiguous, i64
    int dim = 0;
    int64_t outer = 0;  // prod(pre)
    int64_t n = 0;      // x.shape[dim]
    int64_t inner = 0;  // prod(post)

    static status parse(op_id, const op_args & a, argmax_params & p) {
        static const char * const names[] = {"x"};
        XEMB_RETURN_IF_ERROR(expect_inputs("argmax", a, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device("argmax", a, names));
        p.x = a.inputs[0];
        if (!dtype_is_float(p.x.type)) return invalid_arg(std::string("argmax: expected x with dtype one of f32, f16, bf16, received ") + dtype_name(p.x.type));
        if (!p.x.is_contiguous()) return invalid_arg("argmax: expected x contiguous, received strides " + p.x.strides.str());
        if (p.x.rank() == 0) return invalid_arg("argmax: expected x of rank >= 1, received a scalar");
        int64_t dim = -1;
        XEMB_RETURN_IF_ERROR(get_int("argmax", a, "dim", dim, false));
        XEMB_RETURN_IF_ERROR(normalize_dim("argmax", dim, p.x.rank(), p.dim));
        p.n = p.x.shape[p.dim];
        if (p.n == 0) return invalid_arg("argmax: expected x.shape[" + std::to_string(p.dim) + "] >= 1 (a maximum of nothing has no index), received " + p.x.shape.str());
        p.outer = 1;
        for (int d = 0; d < p.dim; ++d) p.outer *= p.x.shape[d];
        p.inner = 1;
        for (int d = p.dim + 1; d < p.x.rank(); ++d) p.inner *= p.x.shape[d];
        p.out.type = dtype::i64;
        p.out.shape.rank = 0;
        for (int d = 0; d < p.x.rank(); ++d)
            if (d != p.dim) p.out.shape[p.out.shape.rank++] = p.x.shape[d];
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&x}; }
};

}  // namespace xemb
