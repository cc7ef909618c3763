// random_uniform: out = low + (high - low) * u, u in [0, 1) with 24 random bits;
// random_normal:   out = mean + std * z, z standard normal (Box-Muller).
// Both from the counter-based Philox stream (seed, offset) in philox.h, computed in f64 and
// rounded to f32 (then to f16/bf16), so every backend returns the same bits for the same seed.
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

struct random_params {
    tensor out;             // [*shape], dtype in {f32, f16, bf16}
    uint64_t seed = 0;
    uint64_t offset = 0;    // selects an independent stream for the same seed
    double a = 0, b = 1;    // uniform: low, high; normal: mean, std
    bool normal = false;

    static status parse(op_id id, const op_args & a, random_params & p) {
        p.normal = id == op_id::random_normal;
        const char * op = p.normal ? "random_normal" : "random_uniform";
        XEMB_RETURN_IF_ERROR(expect_inputs(op, a, 0));
        if (!a.dev) return invalid_arg(std::string(op) + ": expected a device, received none");
        XEMB_RETURN_IF_ERROR(get_shape(op, a, "shape", p.out.shape));
        XEMB_RETURN_IF_ERROR(get_dtype(op, a, "dtype", p.out.type));
        XEMB_RETURN_IF_ERROR(get_u64(op, a, "seed", p.seed));
        XEMB_RETURN_IF_ERROR(get_u64(op, a, "offset", p.offset, false));
        if (!dtype_is_float(p.out.type))
            return invalid_arg(std::string(op) + ": expected dtype one of f32, f16, bf16, received " + dtype_name(p.out.type));
        if (p.normal) {
            XEMB_RETURN_IF_ERROR(get_number(op, a, "mean", p.a));
            XEMB_RETURN_IF_ERROR(get_number(op, a, "std", p.b));
            if (!std::isfinite(p.a)) return invalid_arg("random_normal: expected a finite mean, received " + std::to_string(p.a));
            if (!std::isfinite(p.b) || p.b < 0) return invalid_arg("random_normal: expected std >= 0 and finite, received " + std::to_string(p.b));
        } else {
            XEMB_RETURN_IF_ERROR(get_number(op, a, "low", p.a));
            XEMB_RETURN_IF_ERROR(get_number(op, a, "high", p.b));
            if (!std::isfinite(p.a) || !std::isfinite(p.b) || !(p.a <= p.b))
                return invalid_arg("random_uniform: expected finite low <= high, received low=" + std::to_string(p.a) + " high=" + std::to_string(p.b));
        }
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {}; }
};

}  // namespace xemb
