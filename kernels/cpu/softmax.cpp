// softmax over the last dim on the CPU: per row m = max, e = exp(x - m), out = e / sum(e), all in
// f32 (nn-math.h vexp), one rounding to the output dtype; rows split across the pool.
// A NaN or +inf anywhere, or a row of only -inf, makes the whole row NaN (as PyTorch): the NaN
// comes from x - m (inf - inf, NaN) and reaches every element through the sum.
// Reference: torch.softmax (aten/src/ATen/native/cpu/SoftMaxKernel.cpp, _vec_softmax).
#include <cmath>
#include <limits>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "nn-math.h"
#include "ops.h"

namespace xemb::cpu {

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
void run(const softmax_params & p, const exec_ctx & ctx) {
    const int64_t D = p.d;
    ctx.pool->parallel_for(p.rows, row_grain(D), [&](int64_t r0, int64_t r1) {
        std::vector<float> v(static_cast<size_t>(D));
        for (int64_t r = r0; r < r1; ++r) {
            const T * x = p.x.ptr<T>() + r * D;
            for (int64_t i = 0; i < D; ++i) v[i] = to_f32(x[i]);
            const float m = row_max(v.data(), D);
            const float s = exp_sum(v.data(), D, m);
            O * o = p.out.ptr<O>() + r * D;
            for (int64_t i = 0; i < D; ++i) o[i] = from_f32<O>(v[i] / s);
        }
    });
}

}  // namespace

status softmax(const softmax_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            with_dtype(p.out.type, [&](auto to) {
                using O = decltype(to);
                if constexpr (is_floatish_v<O>) run<T, O>(p, ctx);
            });
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
