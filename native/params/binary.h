// add / sub / mul / div: out = a (op) b with NumPy broadcasting.
// a and b share one dtype (no implicit promotion: cast first). Floats compute in f32 and round
// once to f16/bf16; i32/i64/u8 wrap on overflow (two's complement); div is floats only;
// bool is not arithmetic.
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

enum class binary_kind { add, sub, mul, div };

struct binary_params {
    tensor a, b;     // [*sa], [*sb] broadcastable, same dtype, any strides
    tensor out;      // [*broadcast(sa, sb)], contiguous
    binary_kind kind = binary_kind::add;

    static status parse(op_id id, const op_args & args, binary_params & p) {
        static const char * const names[] = {"a", "b"};
        const char * op = id == op_id::add ? "add" : id == op_id::sub ? "sub" : id == op_id::mul ? "mul" : "div";
        p.kind = id == op_id::add ? binary_kind::add : id == op_id::sub ? binary_kind::sub : id == op_id::mul ? binary_kind::mul : binary_kind::div;
        XEMB_RETURN_IF_ERROR(expect_inputs(op, args, 2));
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, names));
        p.a = args.inputs[0];
        p.b = args.inputs[1];
        if (p.a.type != p.b.type)
            return invalid_arg(std::string(op) + ": expected b with the dtype of a (" + dtype_name(p.a.type) + "), received " + dtype_name(p.b.type) + "; cast one input first");
        if (p.a.type == dtype::boolean) return invalid_arg(std::string(op) + ": expected a numeric dtype for a and b, received bool");
        if (p.kind == binary_kind::div && !dtype_is_float(p.a.type))
            return invalid_arg(std::string("div: expected a float dtype (f32, f16, bf16) for a and b, received ") + dtype_name(p.a.type));
        status st = broadcast_shapes(p.a.shape, p.b.shape, p.out.shape, "a", "b");
        if (!st.ok()) return invalid_arg(std::string(op) + ": " + st.message);
        p.out.type = p.a.type;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&a, &b}; }
};

}  // namespace xemb
