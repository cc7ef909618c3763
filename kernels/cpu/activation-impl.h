// Row loops of the activation op, compiled once per instruction set (activation-avx512.cpp,
// activation-avx2.cpp, activation-generic.cpp include this with XEMB_ISA_NS set) and picked by
// activation.cpp from cpu::isa_level(). Half types are widened a block at a time into f32
// buffers that stay in L1, computed with the vectorizable nn-math.h functions, rounded once.
#include <algorithm>
#include <cmath>

#include "../../native/half.h"
#include "activation-rows.h"
#include "nn-math.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {
constexpr int64_t block = 512;

inline void load(dtype t, const void * src, int64_t i0, int64_t n, float * dst) {
    if (t == dtype::bf16) {
        const uint16_t * s = static_cast<const uint16_t *>(src) + i0;
        for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]);
    } else if (t == dtype::f16) {
        const uint16_t * s = static_cast<const uint16_t *>(src) + i0;
        for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(s[i]);
    } else {
        const float * s = static_cast<const float *>(src) + i0;
        for (int64_t i = 0; i < n; ++i) dst[i] = s[i];
    }
}

inline void store(dtype t, const float * src, int64_t n, void * dst, int64_t i0) {
    if (t == dtype::bf16) {
        uint16_t * d = static_cast<uint16_t *>(dst) + i0;
        for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(src[i]);
    } else if (t == dtype::f16) {
        uint16_t * d = static_cast<uint16_t *>(dst) + i0;
        for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(src[i]);
    } else {
        float * d = static_cast<float *>(dst) + i0;
        for (int64_t i = 0; i < n; ++i) d[i] = src[i];
    }
}

// one rounding to t and back (the intermediate tensor of an unfused PyTorch sequence)
inline void round_trip(dtype t, float * v, int64_t n) {
    if (t == dtype::bf16)
        for (int64_t i = 0; i < n; ++i) v[i] = bf16_to_f32(f32_to_bf16(v[i]));
    else if (t == dtype::f16)
        for (int64_t i = 0; i < n; ++i) v[i] = f16_to_f32(f32_to_f16(v[i]));
}

void unary_f32(act_fn f, int64_t n, const float * __restrict x, float * __restrict y) {
    switch (f) {
        case act_fn::silu:
            for (int64_t i = 0; i < n; ++i) y[i] = nnmath::silu(x[i]);
            break;
        case act_fn::gelu_tanh:
            for (int64_t i = 0; i < n; ++i) y[i] = nnmath::gelu_tanh(x[i]);
            break;
        case act_fn::gelu:
            for (int64_t i = 0; i < n; ++i) y[i] = nnmath::gelu(x[i]);
            break;
    }
}

void unary(act_fn f, dtype t, int64_t n, const void * x, void * out) {
    float xb[block], yb[block];
    for (int64_t i0 = 0; i0 < n; i0 += block) {
        const int64_t len = std::min(block, n - i0);
        load(t, x, i0, len, xb);
        unary_f32(f, len, xb, yb);
        store(t, yb, len, out, i0);
    }
}

void swiglu(dtype t, int64_t n, const void * gate, const void * up, void * out) {
    float gb[block], ub[block], yb[block];
    for (int64_t i0 = 0; i0 < n; i0 += block) {
        const int64_t len = std::min(block, n - i0);
        load(t, gate, i0, len, gb);
        load(t, up, i0, len, ub);
        unary_f32(act_fn::silu, len, gb, yb);
        round_trip(t, yb, len);
        for (int64_t i = 0; i < len; ++i) yb[i] = yb[i] * ub[i];
        store(t, yb, len, out, i0);
    }
}
}  // namespace

extern const activation_rows activation_table;
const activation_rows activation_table = {XEMB_ISA_NAME, unary, swiglu};

}  // namespace xemb::cpu::XEMB_ISA_NS
