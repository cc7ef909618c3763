// concat(tensors, dim): out = torch.cat(tensors, dim). Inputs are copied as raw words (any
// dtype), in input order along `dim`; empty inputs contribute nothing.
#pragma once
#include <string>
#include "../op-args.h"
#include "gather.h"

namespace xemb {

struct concat_params {
    std::vector<tensor> xs;  // N >= 1 tensors [*pre, s_k, *post], one dtype, contiguous, same rank; only dim may differ
    tensor out;              // [*pre, sum_k s_k, *post] contiguous, xs dtype
    int dim = 0;
    int64_t outer = 0;       // prod(pre)
    int64_t inner = 0;       // prod(post)

    static status parse(op_id, const op_args & a, concat_params & p) {
        if (a.inputs.empty()) return invalid_arg("concat: expected at least 1 tensor input, received 0");
        std::vector<std::string> names_s;
        for (size_t i = 0; i < a.inputs.size(); ++i) names_s.push_back("tensors[" + std::to_string(i) + "]");
        std::vector<const char *> names;
        for (auto & s : names_s) names.push_back(s.c_str());
        XEMB_RETURN_IF_ERROR(expect_inputs("concat", a, a.inputs.size()));
        XEMB_RETURN_IF_ERROR(expect_same_device("concat", a, names.data()));
        p.xs = a.inputs;
        const tensor & t0 = p.xs[0];
        int64_t dim = 0;
        XEMB_RETURN_IF_ERROR(get_int("concat", a, "dim", dim));
        if (t0.rank() == 0) return invalid_arg("concat: expected tensors of rank >= 1, received a scalar as tensors[0]");
        XEMB_RETURN_IF_ERROR(normalize_dim("concat", dim, t0.rank(), p.dim));
        int64_t total = 0;
        for (size_t i = 0; i < p.xs.size(); ++i) {
            const tensor & t = p.xs[i];
            if (t.type != t0.type)
                return invalid_arg("concat: expected " + names_s[i] + " with the dtype of tensors[0] (" + dtype_name(t0.type) + "), received " + dtype_name(t.type));
            if (!t.is_contiguous()) return invalid_arg("concat: expected " + names_s[i] + " contiguous, received strides " + t.strides.str());
            bool ok = t.rank() == t0.rank();
            for (int d = 0; ok && d < t0.rank(); ++d) ok = d == p.dim || t.shape[d] == t0.shape[d];
            if (!ok)
                return invalid_arg("concat: expected " + names_s[i] + " to match tensors[0] " + t0.shape.str() + " except in dim " + std::to_string(p.dim) +
                                   ", received " + t.shape.str());
            total += t.shape[p.dim];
        }
        p.outer = 1;
        for (int d = 0; d < p.dim; ++d) p.outer *= t0.shape[d];
        p.inner = 1;
        for (int d = p.dim + 1; d < t0.rank(); ++d) p.inner *= t0.shape[d];
        p.out.type = t0.type;
        p.out.shape = t0.shape;
        p.out.shape[p.dim] = total;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const {
        std::vector<const tensor *> v;
        for (auto & t : xs) v.push_back(&t);
        return v;
    }
};

}  // namespace xemb
