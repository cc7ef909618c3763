// silu:   out = x * sigmoid(x) = x / (1 + exp(-x))
// gelu:   out = x * Phi(x) = 0.5 x erfc(-x / sqrt 2)            (approximate "none", exact)
//         out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))  (approximate "tanh")
// swiglu: out = cast_T(cast_T(silu(gate)) * up)                   (HF Qwen2MLP act_fn(gate) * up)
//         from gate and up [..., I], or from one x [..., 2I] = concat(gate, up) along the last dim
// f32 inside, one rounding to the dtype T of the input per PyTorch op: swiglu rounds silu(gate)
// to T before the product exactly as HF's two bf16 ops do (a no-op for f32). Inputs must be
// contiguous (the TS ops copy views first).
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

enum class activation_kind { silu, gelu, gelu_tanh, swiglu };

struct activation_params {
    activation_kind kind = activation_kind::silu;
    tensor x;              // silu/gelu: [*s]; swiglu: gate [*lead, I], or concat [*lead, 2I] when !split; contiguous f32/f16/bf16
    tensor up;             // swiglu with split inputs: [*lead, I], dtype of x
    bool split = false;    // swiglu: gate and up given as two tensors
    tensor out;            // silu/gelu: [*s]; swiglu: [*lead, I]; dtype of x
    int64_t rows = 0;      // swiglu: prod(lead)
    int64_t inner = 0;     // swiglu: I

    static status parse(op_id id, const op_args & args, activation_params & p) {
        const char * op = id == op_id::silu ? "silu" : id == op_id::gelu ? "gelu" : "swiglu";
        static const char * const one[] = {"x"};
        static const char * const two[] = {"gate", "up"};
        const size_t n = args.inputs.size();
        if (id == op_id::swiglu) {
            if (n != 1 && n != 2) return invalid_arg("swiglu: expected 1 tensor input (x = [gate, up]) or 2 (gate, up), received " + std::to_string(n));
            p.split = n == 2;
        } else {
            XEMB_RETURN_IF_ERROR(expect_inputs(op, args, 1));
        }
        const char * const * names = p.split ? two : one;
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, names));
        XEMB_RETURN_IF_ERROR(expect_float_contiguous(op, args, names));
        p.x = args.inputs[0];
        p.out.type = p.x.type;
        p.out.shape = p.x.shape;
        if (id == op_id::silu) {
            p.kind = activation_kind::silu;
            return status::success();
        }
        if (id == op_id::gelu) {
            p.kind = activation_kind::gelu;
            const attr_value * a = args.find("approximate");
            if (a) {
                if (a->k == attr_value::kind::string && a->str == "tanh") p.kind = activation_kind::gelu_tanh;
                else if (!(a->k == attr_value::kind::string && a->str == "none"))
                    return invalid_arg(std::string("gelu: expected approximate to be \"none\" or \"tanh\", received ") +
                                       (a->k == attr_value::kind::string ? "\"" + a->str + "\"" : std::string("a non-string value")));
            }
            return status::success();
        }
        p.kind = activation_kind::swiglu;
        if (p.x.rank() < 1) return invalid_arg(std::string("swiglu: expected ") + names[0] + " of rank >= 1, received a scalar");
        const int r = p.x.rank();
        if (p.split) {
            p.up = args.inputs[1];
            if (p.up.type != p.x.type)
                return invalid_arg(std::string("swiglu: expected up with the dtype of gate (") + dtype_name(p.x.type) + "), received " + dtype_name(p.up.type));
            if (!(p.up.shape == p.x.shape))
                return invalid_arg("swiglu: expected up of the shape of gate " + p.x.shape.str() + ", received " + p.up.shape.str());
            p.inner = p.x.shape[r - 1];
        } else {
            if (p.x.shape[r - 1] % 2 != 0)
                return invalid_arg("swiglu: expected x [..., 2I] with an even last dim (gate and up halves), received " + p.x.shape.str());
            p.inner = p.x.shape[r - 1] / 2;
            p.out.shape[r - 1] = p.inner;
        }
        p.rows = p.inner == 0 ? 0 : p.out.shape.numel() / p.inner;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const {
        if (split) return {&x, &up};
        return {&x};
    }
};

}  // namespace xemb
