// sample(logits, {temperature, topK, topP, minP, seed, offset}): one token per row of logits,
// the same token on every backend for the same inputs (native/sampling.h has the arithmetic).
// Filters as Hugging Face's warpers, in their order: temperature, then top-k (keep the values
// >= the k-th largest, ties kept), then top-p over the top-k survivors (keep a value when the
// probability mass strictly above it is < topP), then min-p (keep p_i >= minP * p_max). The
// draw is exact Gumbel-max over the survivors. temperature 0 is greedy (argmax, first index).
// NaN logits count as -inf (never drawn); a row whose logits are all -inf or NaN has nothing to
// draw and fails the op (INVALID_ARGUMENT at the next sync, naming the row).
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

struct sample_params {
    tensor logits;           // [B, V] contiguous, f32/f16/bf16, 1 <= V <= 2^23
    tensor out;              // [B] i64
    int64_t b = 0, v = 0;
    float temperature = 1;   // f32(temperature); 0 = greedy
    int64_t top_k = 0;       // 0 (or >= V) = off
    double top_p = 1;        // (0, 1]; 1 = off
    double min_p = 0;        // [0, 1]; 0 = off
    double log_min_p = 0;    // ln(min_p), -inf when off (computed once here, shared by all backends)
    uint64_t seed = 0;
    uint64_t offset = 0;     // stream for this call: e.g. the decoding step

    bool greedy() const { return temperature == 0.0f; }
    bool top_k_on() const { return top_k > 0 && top_k < v; }
    bool top_p_on() const { return top_p < 1.0; }

    static status parse(op_id, const op_args & a, sample_params & p) {
        static const char * const names[] = {"logits"};
        XEMB_RETURN_IF_ERROR(expect_inputs("sample", a, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device("sample", a, names));
        p.logits = a.inputs[0];
        if (!dtype_is_float(p.logits.type)) return invalid_arg(std::string("sample: expected logits with dtype one of f32, f16, bf16, received ") + dtype_name(p.logits.type));
        if (p.logits.rank() != 2) return invalid_arg("sample: expected logits of shape [B, V], received " + p.logits.shape.str());
        if (!p.logits.is_contiguous()) return invalid_arg("sample: expected logits contiguous, received strides " + p.logits.strides.str());
        p.b = p.logits.shape[0];
        p.v = p.logits.shape[1];
        if (p.v < 1 || p.v > (int64_t(1) << 23)) return invalid_arg("sample: expected a vocabulary size V in [1, 8388608], received logits " + p.logits.shape.str());
        double t = 1;
        XEMB_RETURN_IF_ERROR(get_number("sample", a, "temperature", t, false));
        if (!std::isfinite(t) || t < 0 || (t > 0 && !(static_cast<float>(t) >= 1.17549435e-38f)))
            return invalid_arg("sample: expected temperature 0 (greedy) or in [1.2e-38, 3.4e38], received " + std::to_string(t));
        p.temperature = static_cast<float>(t);
        XEMB_RETURN_IF_ERROR(get_int("sample", a, "topK", p.top_k, false));
        if (p.top_k < 0) return invalid_arg("sample: expected topK >= 0 (0 = off), received " + std::to_string(p.top_k));
        XEMB_RETURN_IF_ERROR(get_number("sample", a, "topP", p.top_p, false));
        if (!(p.top_p > 0 && p.top_p <= 1)) return invalid_arg("sample: expected topP in (0, 1], received " + std::to_string(p.top_p));
        XEMB_RETURN_IF_ERROR(get_number("sample", a, "minP", p.min_p, false));
        if (!(p.min_p >= 0 && p.min_p <= 1)) return invalid_arg("sample: expected minP in [0, 1], received " + std::to_string(p.min_p));
        p.log_min_p = p.min_p > 0 ? std::log(p.min_p) : -INFINITY;
        XEMB_RETURN_IF_ERROR(get_u64("sample", a, "seed", p.seed));
        XEMB_RETURN_IF_ERROR(get_u64("sample", a, "offset", p.offset, false));
        p.out.type = dtype::i64;
        p.out.shape.rank = 1;
        p.out.shape[0] = p.b;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&logits}; }
};

// The failure of a row with nothing to draw (same text on every backend).
inline status sample_empty_row(int64_t row) {
    return invalid_arg("sample: expected every row of logits to hold a value above -inf (NaN counts as -inf), received row " + std::to_string(row) + " with none");
}

}  // namespace xemb
