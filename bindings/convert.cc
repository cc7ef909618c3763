#include "convert.h"

#include <cmath>

#include "addon.h"

namespace xemb::js {

static std::string js_type(Napi::Value v) {
    switch (v.Type()) {
        case napi_undefined: return "undefined";
        case napi_null: return "null";
        case napi_boolean: return "boolean";
        case napi_number: return "number " + v.ToString().Utf8Value();
        case napi_string: return "string";
        case napi_bigint: return "bigint";
        case napi_object: return v.IsArray() ? "array" : "object";
        case napi_function: return "function";
        default: return "value";
    }
}

int64_t int_arg(Napi::Env env, Napi::Value v, const char * what) {
    if (v.IsBigInt()) {
        bool lossless = false;
        int64_t r = v.As<Napi::BigInt>().Int64Value(&lossless);
        if (!lossless) throw Napi::RangeError::New(env, std::string("Expected ") + what + " to fit in int64, received a larger bigint");
        return r;
    }
    if (!v.IsNumber()) throw_type(env, std::string("Expected an integer for ") + what + " but received " + js_type(v));
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9007199254740991.0)
        throw Napi::RangeError::New(env, std::string("Expected a safe integer for ") + what + " but received " + js_type(v));
    return static_cast<int64_t>(d);
}

std::vector<int64_t> int_array(Napi::Env env, Napi::Value v, const char * what) {
    if (!v.IsArray()) throw_type(env, std::string("Expected an array of integers for ") + what + " but received " + js_type(v));
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() > 64) throw Napi::RangeError::New(env, std::string("Expected at most 64 entries in ") + what);
    std::vector<int64_t> out(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) out[i] = int_arg(env, a.Get(i), what);
    return out;
}

device * device_arg(Napi::Env env, Napi::Value v, const char * what) {
    if (!v.IsString()) throw_type(env, std::string("Expected a device string (\"cpu\", \"cuda\", \"cuda:N\") for ") + what + " but received " + js_type(v));
    std::string id = v.As<Napi::String>().Utf8Value();
    device * d = find_device(id);
    if (!d) {
        status st = make_status(status_code::unavailable, std::string(what) + ": device \"" + id + "\" is not available" +
                                                              (id.rfind("cuda", 0) == 0 && !devices().cuda_available ? " (" + devices().cuda_reason + ")" : ""));
        throw_status(env, st, id.rfind("cuda", 0) == 0 ? "cuda" : "");
    }
    return d;
}

void read_attrs(Napi::Env env, Napi::Value v, std::vector<std::pair<std::string, attr_value>> & out) {
    if (v.IsUndefined() || v.IsNull()) return;
    if (!v.IsObject()) throw_type(env, "Expected an options object but received " + js_type(v));
    Napi::Object o = v.As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
        std::string k = keys.Get(i).ToString().Utf8Value();
        Napi::Value x = o.Get(k);
        attr_value a;
        if (x.IsUndefined()) continue;
        if (x.IsNumber()) {
            a.k = attr_value::kind::number;
            a.num = x.As<Napi::Number>().DoubleValue();
        } else if (x.IsBigInt()) {
            a.k = attr_value::kind::bigint;
            int sign = 0;
            size_t words = 2;
            uint64_t w[2] = {0, 0};
            x.As<Napi::BigInt>().ToWords(&sign, &words, w);
            if (words > 1 && w[1] != 0) throw Napi::RangeError::New(env, "Expected " + k + " below 2^64 but received a larger bigint");
            a.big = w[0];
            a.big_negative = sign != 0;
        } else if (x.IsBoolean()) {
            a.k = attr_value::kind::boolean;
            a.flag = x.As<Napi::Boolean>().Value();
        } else if (x.IsString()) {
            a.k = attr_value::kind::string;
            a.str = x.As<Napi::String>().Utf8Value();
        } else if (x.IsArray()) {
            a.k = attr_value::kind::ints;
            a.ints = int_array(env, x, k.c_str());
        } else {
            throw_type(env, "Expected a number, bigint, boolean, string or integer array for option " + k + " but received " + js_type(x));
        }
        out.emplace_back(k, std::move(a));
    }
}

Napi::Array int_list(Napi::Env env, const shape_t & s) {
    Napi::Array a = Napi::Array::New(env, s.rank);
    for (int i = 0; i < s.rank; ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(s[i])));
    return a;
}

}  // namespace xemb::js
