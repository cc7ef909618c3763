// softmax: out[..., j] = exp(x[..., j] - max) / sum_k exp(x[..., k] - max) over the last dim, in
// f32 (torch.softmax(x, -1, dtype=f32).to(out dtype)), one rounding to the output dtype.
// Rows as PyTorch: a row whose max is -inf (all -inf), +inf or NaN anywhere in it gives NaN in
// every element of that row (inf - inf and NaN propagate through the max and the sum). Inputs
// must be contiguous (the TS op copies views first).
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

struct softmax_params {
    tensor x;              // [*lead, D] contiguous, f32/f16/bf16
    tensor out;            // [*lead, D] contiguous, dtype attr (default: dtype of x)
    int64_t rows = 0;      // prod(lead)
    int64_t d = 0;         // D

    static status parse(op_id, const op_args & args, softmax_params & p) {
        static const char * const names[] = {"x"};
        XEMB_RETURN_IF_ERROR(expect_inputs("softmax", args, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device("softmax", args, names));
        p.x = args.inputs[0];
        if (!dtype_is_float(p.x.type))
            return invalid_arg(std::string("softmax: expected x with dtype one of f32, f16, bf16, received ") + dtype_name(p.x.type));
        if (!p.x.is_contiguous()) return invalid_arg("softmax: expected x contiguous, received strides " + p.x.strides.str());
        if (p.x.rank() < 1) return invalid_arg("softmax: expected x of rank >= 1, received a scalar");
        p.out.type = p.x.type;
        XEMB_RETURN_IF_ERROR(get_dtype("softmax", args, "dtype", p.out.type, false));
        if (!dtype_is_float(p.out.type)) return invalid_arg(std::string("softmax: expected dtype one of f32, f16, bf16, received ") + dtype_name(p.out.type));
        p.out.shape = p.x.shape;
        p.d = p.x.shape[p.x.rank() - 1];
        p.rows = p.d == 0 ? 0 : p.x.numel() / p.d;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&x}; }
};

}  // namespace xemb
