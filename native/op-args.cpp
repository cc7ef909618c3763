#include "op-args.h"

#include <cmath>

#include "device.h"

namespace xemb {

static status missing(const char * op, const char * name, const char * expected) {
    return invalid_arg(std::string(op) + ": expected option " + name + " (" + expected + "), received nothing");
}

static std::string kind_name(const attr_value & v) {
    switch (v.k) {
        case attr_value::kind::number: return "number " + std::to_string(v.num);
        case attr_value::kind::bigint: return "bigint";
        case attr_value::kind::ints: return "array";
        case attr_value::kind::string: return "string \"" + v.str + "\"";
        case attr_value::kind::boolean: return v.flag ? "boolean true" : "boolean false";
    }
    return "?";
}

static status wrong(const char * op, const char * name, const char * expected, const attr_value & v) {
    return invalid_arg(std::string(op) + ": expected " + name + " to be " + expected + ", received " + kind_name(v));
}

status get_number(const char * op, const op_args & a, const char * name, double & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "a number") : status::success();
    if (v->k == attr_value::kind::number) { out = v->num; return status::success(); }
    if (v->k == attr_value::kind::bigint) { out = v->big_negative ? -static_cast<double>(v->big) : static_cast<double>(v->big); return status::success(); }
    return wrong(op, name, "a number", *v);
}

status get_int(const char * op, const op_args & a, const char * name, int64_t & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "an integer") : status::success();
    if (v->k == attr_value::kind::number) {
        if (!std::isfinite(v->num) || std::floor(v->num) != v->num || std::fabs(v->num) > 9007199254740992.0)
            return invalid_arg(std::string(op) + ": expected " + name + " to be a safe integer, received " + std::to_string(v->num));
        out = static_cast<int64_t>(v->num);
        return status::success();
    }
    if (v->k == attr_value::kind::bigint) {
        if (v->big > static_cast<uint64_t>(INT64_MAX)) return invalid_arg(std::string(op) + ": expected " + name + " to fit in int64, received a larger bigint");
        out = v->big_negative ? -static_cast<int64_t>(v->big) : static_cast<int64_t>(v->big);
        return status::success();
    }
    return wrong(op, name, "an integer", *v);
}

status get_u64(const char * op, const op_args & a, const char * name, uint64_t & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "a non-negative integer") : status::success();
    if (v->k == attr_value::kind::bigint && !v->big_negative) { out = v->big; return status::success(); }
    if (v->k == attr_value::kind::number && v->num >= 0 && std::floor(v->num) == v->num && v->num <= 9007199254740992.0) {
        out = static_cast<uint64_t>(v->num);
        return status::success();
    }
    return wrong(op, name, "a non-negative safe integer or bigint below 2^64", *v);
}

status get_ints(const char * op, const op_args & a, const char * name, std::vector<int64_t> & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "an array of integers") : status::success();
    if (v->k != attr_value::kind::ints) return wrong(op, name, "an array of integers", *v);
    out = v->ints;
    return status::success();
}

status get_dtype(const char * op, const op_args & a, const char * name, dtype & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "a dtype name") : status::success();
    if (v->k != attr_value::kind::string || !dtype_from_name(v->str, out))
        return wrong(op, name, "one of f32, f16, bf16, i32, i64, u8, bool", *v);
    return status::success();
}

status get_bool(const char * op, const op_args & a, const char * name, bool & out, bool required) {
    const attr_value * v = a.find(name);
    if (!v) return required ? missing(op, name, "a boolean") : status::success();
    if (v->k != attr_value::kind::boolean) return wrong(op, name, "a boolean", *v);
    out = v->flag;
    return status::success();
}

status get_shape(const char * op, const op_args & a, const char * name, shape_t & out) {
    std::vector<int64_t> dims;
    XEMB_RETURN_IF_ERROR(get_ints(op, a, name, dims));
    return shape_t::make(dims, out, op);
}

status expect_inputs(const char * op, const op_args & a, size_t n) {
    if (a.inputs.size() != n)
        return invalid_arg(std::string(op) + ": expected " + std::to_string(n) + " tensor input(s), received " + std::to_string(a.inputs.size()));
    for (size_t i = 0; i < n; ++i)
        if (!a.inputs[i].store) return make_status(status_code::internal, std::string(op) + ": input " + std::to_string(i) + " has no storage");
    return status::success();
}

status expect_same_device(const char * op, const op_args & a, const char * const * names) {
    for (size_t i = 0; i < a.inputs.size(); ++i) {
        device * d = a.inputs[i].dev();
        if (a.dev && d != a.dev)
            return invalid_arg(std::string(op) + ": expected " + names[i] + " on device " + a.dev->id() + ", received a tensor on " + d->id());
        if (i > 0 && d != a.inputs[0].dev())
            return invalid_arg(std::string(op) + ": expected " + names[i] + " on the same device as " + names[0] + " (" + a.inputs[0].dev()->id() + "), received a tensor on " + d->id());
    }
    return status::success();
}

status expect_float_contiguous(const char * op, const op_args & a, const char * const * names) {
    for (size_t i = 0; i < a.inputs.size(); ++i) {
        const tensor & t = a.inputs[i];
        if (!dtype_is_float(t.type))
            return invalid_arg(std::string(op) + ": expected " + names[i] + " with dtype one of f32, f16, bf16, received " + dtype_name(t.type));
        if (!t.is_contiguous()) return invalid_arg(std::string(op) + ": expected " + names[i] + " contiguous, received strides " + t.strides.str());
    }
    return status::success();
}

std::string describe_dtypes(std::initializer_list<dtype> allowed) {
    std::string s;
    for (dtype t : allowed) s += (s.empty() ? "" : ", ") + std::string(dtype_name(t));
    return s;
}

}  // namespace xemb
