// What a caller hands to an op: input tensors, named scalar attributes, and the device for ops
// without tensor inputs. Params structs read from it with the typed getters below, which report
// missing or mistyped attributes by name.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include "dtype.h"
#include "registry.h"
#include "status.h"
#include "tensor.h"

namespace xemb {

class device;

struct attr_value {
    enum class kind { number, bigint, ints, string, boolean } k = kind::number;
    double num = 0;
    uint64_t big = 0;           // BigInt values (seeds) as their low 64 bits
    bool big_negative = false;
    std::vector<int64_t> ints;
    std::string str;
    bool flag = false;
};

struct op_args {
    std::vector<tensor> inputs;
    std::vector<std::pair<std::string, attr_value>> attrs;
    device * dev = nullptr;  // required for creation ops; must match inputs' device otherwise

    const attr_value * find(const char * name) const {
        for (auto & a : attrs) if (a.first == name) return &a.second;
        return nullptr;
    }
};

// Getters: `required` missing -> invalid_argument naming op and attribute.
status get_number(const char * op, const op_args & a, const char * name, double & out, bool required = true);
status get_int(const char * op, const op_args & a, const char * name, int64_t & out, bool required = true);
status get_u64(const char * op, const op_args & a, const char * name, uint64_t & out, bool required = true);
status get_ints(const char * op, const op_args & a, const char * name, std::vector<int64_t> & out, bool required = true);
status get_dtype(const char * op, const op_args & a, const char * name, dtype & out, bool required = true);
status get_bool(const char * op, const op_args & a, const char * name, bool & out, bool required = true);
status get_shape(const char * op, const op_args & a, const char * name, shape_t & out);

// Input checks shared by every params parse().
status expect_inputs(const char * op, const op_args & a, size_t n);
status expect_same_device(const char * op, const op_args & a, const char * const * names);
std::string describe_dtypes(std::initializer_list<dtype> allowed);
// Inputs of ops that take float tensors laid out contiguously (norms, RoPE, activations, linear):
// the first input of `a` (in order) that is not f32/f16/bf16, or not contiguous, named by `names`.
status expect_float_contiguous(const char * op, const op_args & a, const char * const * names);

}  // namespace xemb
