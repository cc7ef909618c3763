// cast: out = x converted to `dtype`, contiguous.
// Float -> int truncates toward zero and saturates at the type's range, NaN -> 0; anything -> bool
// is x != 0; bool -> number is 0/1. Float -> f16/bf16 rounds to nearest even. Integer -> f16/bf16
// goes through f32 (two roundings), exactly as PyTorch's .to(torch.bfloat16) does, because parity
// with PyTorch matters more here than the last bit of huge integers.
#pragma once
#include "../op-args.h"

namespace xemb {

struct cast_params {
    tensor x;    // any shape [*], any dtype, any strides
    tensor out;  // [*] like x, dtype `to`, contiguous
    dtype to = dtype::f32;

    static status parse(op_id, const op_args & a, cast_params & p) {
        static const char * const names[] = {"x"};
        XEMB_RETURN_IF_ERROR(expect_inputs("cast", a, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device("cast", a, names));
        XEMB_RETURN_IF_ERROR(get_dtype("cast", a, "dtype", p.to));
        p.x = a.inputs[0];
        p.out.type = p.to;
        p.out.shape = p.x.shape;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&x}; }
};

}  // namespace xemb
