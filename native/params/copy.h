// copy: out = x as a new contiguous tensor (same dtype). Backs contiguous() and clone().
#pragma once
#include "../op-args.h"

namespace xemb {

struct copy_params {
    tensor x;    // [*], any dtype, any strides (expanded dims allowed)
    tensor out;  // [*], x.dtype, contiguous

    static status parse(op_id, const op_args & a, copy_params & p) {
        static const char * const names[] = {"x"};
        XEMB_RETURN_IF_ERROR(expect_inputs("copy", a, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device("copy", a, names));
        p.x = a.inputs[0];
        p.out.type = p.x.type;
        p.out.shape = p.x.shape;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&x}; }
};

}  // namespace xemb
