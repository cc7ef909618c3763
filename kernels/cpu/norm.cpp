// rms_norm / layer_norm / add_rms_norm on the CPU, one row of the last dim at a time, rows split
// across the pool. rms: y = w * cast_T(x * (1 / sqrt(sum(x^2) / D + eps))) (HF Qwen2RMSNorm;
// torch's CPU rsqrt is 1 / sqrt too); add_rms first rounds x + residual to T and normalises the
// rounded row; layer: (x - mean) * rstd * w + b with a two-pass variance, one rounding.
// Shapes, dtypes and rounding points: native/params/norm.h.
#include <cmath>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

constexpr int lanes = 16;  // independent partial sums: vectorizable without reassociation flags

float sum_sq(const float * __restrict v, int64_t n) {
    float acc[lanes] = {};
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) acc[j] += v[i + j] * v[i + j];
    float s = 0;
    for (; i < n; ++i) s += v[i] * v[i];
    for (int j = 0; j < lanes; ++j) s += acc[j];
    return s;
}

float sum(const float * __restrict v, int64_t n) {
    float acc[lanes] = {};
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) acc[j] += v[i + j];
    float s = 0;
    for (; i < n; ++i) s += v[i];
    for (int j = 0; j < lanes; ++j) s += acc[j];
    return s;
}

float sum_sq_dev(const float * __restrict v, int64_t n, float mean) {
    float acc[lanes] = {};
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) {
            const float d = v[i + j] - mean;
            acc[j] += d * d;
        }
    float s = 0;
    for (; i < n; ++i) s += (v[i] - mean) * (v[i] - mean);
    for (int j = 0; j < lanes; ++j) s += acc[j];
    return s;
}

template <class T>
void widen(const T * __restrict src, int64_t n, float * __restrict dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = to_f32(src[i]);
}

template <class T>
void narrow(const float * __restrict src, int64_t n, T * __restrict dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = from_f32<T>(src[i]);
}

template <class T>
void round_trip(float * v, int64_t n) {
    if constexpr (!std::is_same_v<T, float>)
        for (int64_t i = 0; i < n; ++i) v[i] = to_f32(from_f32<T>(v[i]));
}

std::vector<float> widened(const tensor & t) {
    std::vector<float> v(static_cast<size_t>(t.numel()));
    with_dtype(t.type, [&](auto tag) {
        using W = decltype(tag);
        if constexpr (is_floatish_v<W>) widen(t.ptr<W>(), t.numel(), v.data());
    });
    return v;
}

// T: dtype of x (and residual); O: dtype of out
template <class T, class O>
void run(const norm_params & p, const exec_ctx & ctx) {
    const int64_t D = p.d;
    const std::vector<float> w = widened(p.weight);
    const std::vector<float> b = p.has_bias ? widened(p.bias) : std::vector<float>();
    const float eps = static_cast<float>(p.eps);
    ctx.pool->parallel_for(p.rows, row_grain(D), [&](int64_t r0, int64_t r1) {
        std::vector<float> v(static_cast<size_t>(D)), y(static_cast<size_t>(D));
        for (int64_t r = r0; r < r1; ++r) {
            widen(p.x.ptr<T>() + r * D, D, v.data());
            if (p.kind == norm_kind::add_rms) {
                const T * res = p.residual.ptr<T>() + r * D;
                for (int64_t i = 0; i < D; ++i) v[i] = v[i] + to_f32(res[i]);
                round_trip<T>(v.data(), D);
                narrow(v.data(), D, p.residual_out.ptr<T>() + r * D);
            }
            if (p.kind == norm_kind::layer) {
                // torch divides the sums by D (mean = sum / D), not multiplies by 1/D
                const float mean = sum(v.data(), D) / static_cast<float>(D);
                const float var = sum_sq_dev(v.data(), D, mean) / static_cast<float>(D);
                const float rstd = 1.0f / std::sqrt(var + eps);
                for (int64_t i = 0; i < D; ++i) y[i] = (v[i] - mean) * rstd * w[i];
                if (p.has_bias)
                    for (int64_t i = 0; i < D; ++i) y[i] = y[i] + b[i];
            } else {
                const float var = sum_sq(v.data(), D) / static_cast<float>(D);
                const float rstd = 1.0f / std::sqrt(var + eps);
                for (int64_t i = 0; i < D; ++i) y[i] = v[i] * rstd;
                round_trip<T>(y.data(), D);  // hidden_states.to(input_dtype)
                for (int64_t i = 0; i < D; ++i) y[i] = w[i] * y[i];
            }
            narrow(y.data(), D, p.out.ptr<O>() + r * D);
        }
    });
}

}  // namespace

status norm(const norm_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            if (p.out.type == p.x.type) run<T, T>(p, ctx);
            else run<T, float>(p, ctx);
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
