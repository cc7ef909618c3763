// linear: out[..., n] = sum_k x[..., k] * w[n, k] + bias[n]  (torch.nn.functional.linear).
// W is stored [out_features, in_features] as in checkpoints. Activations and weights may have
// different float dtypes (bf16 activations with f32 vision weights, ...); products and sums are
// f32 and the result is rounded once to x's dtype. x, w and bias must be contiguous: the TS op
// copies a non-contiguous x first, and weights come contiguous from checkpoints.
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

struct linear_params {
    tensor x;              // [*lead, K] contiguous, f32/f16/bf16
    tensor w;              // [N, K] contiguous, f32/f16/bf16 (need not match x)
    tensor bias;           // [N] contiguous, f32/f16/bf16; unset when has_bias is false
    bool has_bias = false;
    tensor out;            // [*lead, N] contiguous, dtype of x
    int64_t m = 0;         // prod(lead): rows of the GEMM
    int64_t n = 0, k = 0;

    static status parse(op_id, const op_args & args, linear_params & p) {
        static const char * const names[] = {"x", "w", "bias"};
        if (args.inputs.size() != 2 && args.inputs.size() != 3)
            return invalid_arg("linear: expected 2 or 3 tensor inputs (x, w, bias?), received " + std::to_string(args.inputs.size()));
        XEMB_RETURN_IF_ERROR(expect_inputs("linear", args, args.inputs.size()));
        XEMB_RETURN_IF_ERROR(expect_same_device("linear", args, names));
        p.x = args.inputs[0];
        p.w = args.inputs[1];
        p.has_bias = args.inputs.size() == 3;
        if (p.has_bias) p.bias = args.inputs[2];
        XEMB_RETURN_IF_ERROR(expect_float_contiguous("linear", args, names));
        if (p.x.rank() < 1) return invalid_arg("linear: expected x of rank >= 1, received a scalar");
        if (p.w.rank() != 2) return invalid_arg("linear: expected w of shape [N, K], received " + p.w.shape.str());
        p.k = p.x.shape[p.x.rank() - 1];
        p.n = p.w.shape[0];
        if (p.w.shape[1] != p.k)
            return invalid_arg("linear: expected w of shape [N, " + std::to_string(p.k) + "] to match x " + p.x.shape.str() + ", received " + p.w.shape.str());
        if (p.has_bias && (p.bias.rank() != 1 || p.bias.shape[0] != p.n))
            return invalid_arg("linear: expected bias of shape [" + std::to_string(p.n) + "], received " + p.bias.shape.str());
        p.out.shape = p.x.shape;
        p.out.shape[p.x.rank() - 1] = p.n;
        p.out.type = p.x.type;
        shape_t lead = p.x.shape;
        lead.rank -= 1;
        p.m = lead.numel();
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const {
        if (has_bias) return {&x, &w, &bias};
        return {&x, &w};
    }
};

}  // namespace xemb
