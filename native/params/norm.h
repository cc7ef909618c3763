// rms_norm:     out = w * cast_T(x * rsqrt(mean(x^2) + eps))        (HF Qwen2RMSNorm)
// layer_norm:   out = (x - mean(x)) * rsqrt(var(x) + eps) * w (+ b)  (torch.nn.functional.layer_norm)
// add_rms_norm: res = cast_T(x + residual); out = rms_norm(res)      (HF's unfused residual add,
//               then the next norm; vLLM's fused_add_rms_norm, but with HF's rounding points)
// Statistics are over the last dim in f32. rms_norm rounds the normalised row to x's dtype T
// BEFORE the weight product (HF casts back to the input dtype, then multiplies), and the product
// follows torch type promotion: out dtype = T when w has dtype T, else f32 (f32*bf16, f16*bf16).
// layer_norm computes in f32 and rounds once to x's dtype. Inputs must be contiguous (the TS ops
// copy views first).
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

enum class norm_kind { rms, layer, add_rms };

struct norm_params {
    norm_kind kind = norm_kind::rms;
    tensor x;              // [*lead, D] contiguous, f32/f16/bf16
    tensor residual;       // add_rms only: [*lead, D] contiguous, dtype of x
    tensor weight;         // [D] contiguous, f32/f16/bf16
    tensor bias;           // layer_norm with has_bias: [D] contiguous, f32/f16/bf16
    bool has_bias = false;
    double eps = 1e-6;     // finite, >= 0
    tensor out;            // [*lead, D]; rms/add_rms: promote(x, weight); layer: dtype of x
    tensor residual_out;   // add_rms only: [*lead, D], dtype of x: cast_T(x + residual)
    int64_t rows = 0;      // prod(lead)
    int64_t d = 0;         // D

    static const char * name_of(norm_kind k) { return k == norm_kind::rms ? "rms_norm" : k == norm_kind::layer ? "layer_norm" : "add_rms_norm"; }

    static status parse(op_id id, const op_args & args, norm_params & p) {
        p.kind = id == op_id::rms_norm ? norm_kind::rms : id == op_id::layer_norm ? norm_kind::layer : norm_kind::add_rms;
        const char * op = name_of(p.kind);
        static const char * const rms_names[] = {"x", "weight"};
        static const char * const layer_names[] = {"x", "weight", "bias"};
        static const char * const add_names[] = {"x", "residual", "weight"};
        const char * const * names = p.kind == norm_kind::rms ? rms_names : p.kind == norm_kind::layer ? layer_names : add_names;
        size_t n = args.inputs.size();
        if (p.kind == norm_kind::layer) {
            if (n != 2 && n != 3)
                return invalid_arg("layer_norm: expected 2 or 3 tensor inputs (x, weight, bias?), received " + std::to_string(n));
        } else {
            XEMB_RETURN_IF_ERROR(expect_inputs(op, args, p.kind == norm_kind::rms ? 2 : 3));
        }
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, names));
        XEMB_RETURN_IF_ERROR(expect_float_contiguous(op, args, names));
        p.x = args.inputs[0];
        if (p.x.rank() < 1) return invalid_arg(std::string(op) + ": expected x of rank >= 1, received a scalar");
        p.d = p.x.shape[p.x.rank() - 1];
        p.rows = p.d == 0 ? 0 : p.x.numel() / p.d;
        if (p.kind == norm_kind::add_rms) {
            p.residual = args.inputs[1];
            p.weight = args.inputs[2];
            if (!(p.residual.shape == p.x.shape))
                return invalid_arg("add_rms_norm: expected residual of the shape of x " + p.x.shape.str() + ", received " + p.residual.shape.str());
            if (p.residual.type != p.x.type)
                return invalid_arg(std::string("add_rms_norm: expected residual with the dtype of x (") + dtype_name(p.x.type) + "), received " + dtype_name(p.residual.type));
        } else {
            p.weight = args.inputs[1];
            p.has_bias = n == 3;
            if (p.has_bias) p.bias = args.inputs[2];
        }
        const std::string dstr = "[" + std::to_string(p.d) + "]";
        if (p.weight.rank() != 1 || p.weight.shape[0] != p.d)
            return invalid_arg(std::string(op) + ": expected weight of shape " + dstr + " (the last dim of x " + p.x.shape.str() + "), received " + p.weight.shape.str());
        if (p.has_bias && (p.bias.rank() != 1 || p.bias.shape[0] != p.d))
            return invalid_arg(std::string(op) + ": expected bias of shape " + dstr + " (the last dim of x " + p.x.shape.str() + "), received " + p.bias.shape.str());
        XEMB_RETURN_IF_ERROR(get_number(op, args, "eps", p.eps));
        if (!std::isfinite(p.eps) || p.eps < 0)
            return invalid_arg(std::string(op) + ": expected eps finite and >= 0, received " + std::to_string(p.eps));
        p.out.shape = p.x.shape;
        if (p.kind == norm_kind::layer) p.out.type = p.x.type;
        else p.out.type = p.weight.type == p.x.type ? p.x.type : dtype::f32;
        if (p.kind == norm_kind::add_rms) {
            p.residual_out.shape = p.x.shape;
            p.residual_out.type = p.x.type;
        }
        return status::success();
    }
    std::vector<tensor *> outputs() {
        if (kind == norm_kind::add_rms) return {&out, &residual_out};
        return {&out};
    }
    std::vector<const tensor *> inputs() const {
        if (kind == norm_kind::add_rms) return {&x, &residual, &weight};
        if (has_bias) return {&x, &weight, &bias};
        return {&x, &weight};
    }
};

}  // namespace xemb
