// arange: out[i] = start + i * step for i in [0, ceil((end - start) / step)), computed in f64 and
// rounded once to dtype (torch.arange semantics, end exclusive).
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

struct arange_params {
    tensor out;  // [n], dtype
    double start = 0, end = 0, step = 1;

    static status parse(op_id, const op_args & a, arange_params & p) {
        XEMB_RETURN_IF_ERROR(expect_inputs("arange", a, 0));
        if (!a.dev) return invalid_arg("arange: expected a device, received none");
        XEMB_RETURN_IF_ERROR(get_number("arange", a, "start", p.start));
        XEMB_RETURN_IF_ERROR(get_number("arange", a, "end", p.end));
        XEMB_RETURN_IF_ERROR(get_number("arange", a, "step", p.step));
        XEMB_RETURN_IF_ERROR(get_dtype("arange", a, "dtype", p.out.type));
        if (!std::isfinite(p.start) || !std::isfinite(p.end))
            return invalid_arg("arange: expected finite start and end, received start=" + std::to_string(p.start) + " end=" + std::to_string(p.end));
        if (!std::isfinite(p.step) || p.step == 0)
            return invalid_arg("arange: expected a finite non-zero step, received " + std::to_string(p.step));
        if ((p.end - p.start) * p.step < 0)
            return invalid_arg("arange: expected step with the sign of end - start (" + std::to_string(p.end - p.start) + "), received " + std::to_string(p.step));
        if (p.out.type == dtype::boolean) return invalid_arg("arange: expected a numeric dtype, received bool");
        double n = std::ceil((p.end - p.start) / p.step);
        if (n > 9007199254740992.0) return invalid_arg("arange: expected at most 2^53 elements, received " + std::to_string(n));
        p.out.shape.rank = 1;
        p.out.shape[0] = static_cast<int64_t>(n);
        double last = p.start + (n - 1) * p.step;
        if (n > 0) {
            XEMB_RETURN_IF_ERROR(check_value(p.start, p.out.type));
            XEMB_RETURN_IF_ERROR(check_value(last, p.out.type));
        }
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {}; }

  private:
    static status check_value(double v, dtype t) {
        if (dtype_is_int(t)) v = std::trunc(v);  // integer dtypes store the truncated value
        double lo = 0, hi = 0;
        switch (t) {
            case dtype::i32: lo = -2147483648.0; hi = 2147483647.0; break;
            case dtype::i64: lo = -9007199254740992.0; hi = 9007199254740992.0; break;
            case dtype::u8: lo = 0; hi = 255; break;
            case dtype::f16: lo = -65504; hi = 65504; break;
            default: return status::success();
        }
        if (v < lo || v > hi)
            return invalid_arg(std::string("arange: expected values within ") + dtype_name(t) + " range [" + std::to_string(lo) + ", " + std::to_string(hi) + "], received " + std::to_string(v));
        return status::success();
    }
};

}  // namespace xemb
