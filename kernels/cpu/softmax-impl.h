// Row loops of softmax, compiled once per instruction set (softmax-avx512.cpp, softmax-avx2.cpp,
// softmax-generic.cpp include this with XEMB_ISA_NS set): m = max, e = exp(x - m) (nn-math.h
// vexp), out = e / sum(e), all f32, one rounding to the output dtype. A NaN or +inf anywhere, or
// a row of only -inf, makes the row NaN (x - m is NaN there and the sum carries it everywhere),
// as PyTorch. Reference: torch.softmax (aten/src/ATen/native/cpu/SoftMaxKernel.cpp).
#include <limits>

#include "common.h"
#include "nn-math.h"
#include "softmax-rows.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {

constexpr int lanes = 16;

float row_max(const float * __restrict v, int64_t n) {
    float acc[lanes];
    for (int j = 0; j < lanes; ++j) acc[j] = -std::numeric_limits<float>::infinity();
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) acc[j] = v[i + j] > acc[j] ? v[i + j] : acc[j];
    float m = -std::numeric_limits<float>::infinity();
    for (; i < n; ++i) m = v[i] > m ? v[i] : m;
    for (int j = 0; j < lanes; ++j) m = acc[j] > m ? acc[j] : m;
    return m;
}

float exp_sum(float * __restrict v, int64_t n, float m) {
    float acc[lanes] = {};
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) {
            const float e = nnmath::vexp(v[i + j] - m);
            v[i + j] = e;
            acc[j] += e;
        }
    float s = 0;
    for (; i < n; ++i) {
        v[i] = nnmath::vexp(v[i] - m);
        s += v[i];
    }
    for (int j = 0; j < lanes; ++j) s += acc[j];
    return s;
}

template <class T, class O>
void run(const softmax_params & p, int64_t r0, int64_t r1, float * __restrict v) {
    const int64_t D = p.d;
    for (int64_t r = r0; r < r1; ++r) {
        const T * x = p.x.ptr<T>() + r * D;
        for (int64_t i = 0; i < D; ++i) v[i] = to_f32(x[i]);
        const float m = row_max(v, D);
        const float s = exp_sum(v, D, m);
        O * o = p.out.ptr<O>() + r * D;
        for (int64_t i = 0; i < D; ++i) o[i] = from_f32<O>(v[i] / s);
    }
}

void rows(const softmax_params & p, int64_t r0, int64_t r1, float * v) {
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            with_dtype(p.out.type, [&](auto to) {
                using O = decltype(to);
                if constexpr (is_floatish_v<O>) run<T, O>(p, r0, r1, v);
            });
        }
    });
}

}  // namespace

extern const softmax_rows softmax_table;
const softmax_rows softmax_table = {rows};

}  // namespace xemb::cpu::XEMB_ISA_NS
