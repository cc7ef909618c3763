// fill: out[...] = value, a new tensor of `shape` and `dtype` on the target device.
// The value must be representable: integers in the dtype's range, floats finite-or-inf/NaN but
// not overflowing f16/bf16 (the same rule as torch.full).
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

struct fill_params {
    tensor out;         // [*shape], dtype
    double value = 0;

    static status parse(op_id, const op_args & a, fill_params & p) {
        XEMB_RETURN_IF_ERROR(expect_inputs("fill", a, 0));
        if (!a.dev) return invalid_arg("fill: expected a device, received none");
        XEMB_RETURN_IF_ERROR(get_shape("fill", a, "shape", p.out.shape));
        XEMB_RETURN_IF_ERROR(get_dtype("fill", a, "dtype", p.out.type));
        XEMB_RETURN_IF_ERROR(get_number("fill", a, "value", p.value));
        return check_representable("fill", "value", p.value, p.out.type);
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {}; }

    static status check_representable(const char * op, const char * name, double v, dtype t) {
        auto fail = [&](const std::string & range) {
            return invalid_arg(std::string(op) + ": expected " + name + " representable in " + dtype_name(t) + " (" + range + "), received " + std::to_string(v));
        };
        switch (t) {
            case dtype::f32: if (std::isfinite(v) && std::fabs(v) > 3.4028234663852886e38) return fail("|x| <= 3.4028235e38"); break;
            case dtype::f16: if (std::isfinite(v) && std::fabs(v) >= 65520.0) return fail("|x| <= 65504"); break;
            case dtype::bf16: if (std::isfinite(v) && std::fabs(v) >= 3.3961775292304e38) return fail("|x| <= 3.3895314e38"); break;
            case dtype::i32: if (!(std::floor(v) == v && v >= -2147483648.0 && v <= 2147483647.0)) return fail("an integer in [-2^31, 2^31-1]"); break;
            case dtype::i64: if (!(std::floor(v) == v && std::fabs(v) <= 9007199254740992.0)) return fail("an integer with |x| <= 2^53"); break;
            case dtype::u8: if (!(std::floor(v) == v && v >= 0 && v <= 255)) return fail("an integer in [0, 255]"); break;
            case dtype::boolean: if (!(v == 0 || v == 1)) return fail("0 or 1"); break;
        }
        return status::success();
    }
};

}  // namespace xemb
