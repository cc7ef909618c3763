// Row loops of rms_norm / layer_norm / add_rms_norm, compiled once per instruction set
// (norm-avx512.cpp, norm-avx2.cpp, norm-generic.cpp include this with XEMB_ISA_NS set).
// rms: y = w * cast_T(x * (1 / sqrt(sum(x^2) / D + eps))) (torch's CPU rsqrt is 1 / sqrt);
// add_rms rounds x + residual to T first and normalises the rounded row; layer: two-pass
// variance, (x - mean) * rstd * w + b, one rounding. The rounding points are products and
// roundings only (no product feeds a sum), so FMA contraction in these ISA builds cannot move
// them; the sums of squares may contract (statistics are not rounding-defined).
#include <cmath>
#include <type_traits>

#include "common.h"
#include "norm-rows.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {

constexpr int lanes = 16;  // independent partial sums: vectorize without reassociation flags

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

// T: dtype of x (and residual); O: dtype of out
template <class T, class O>
void run(const norm_params & p, int64_t r0, int64_t r1, const float * w, const float * b, float * v, float * y) {
    const int64_t D = p.d;
    const float eps = static_cast<float>(p.eps);
    for (int64_t r = r0; r < r1; ++r) {
        widen(p.x.ptr<T>() + r * D, D, v);
        if (p.kind == norm_kind::add_rms) {
            const T * res = p.residual.ptr<T>() + r * D;
            for (int64_t i = 0; i < D; ++i) v[i] = v[i] + to_f32(res[i]);
            round_trip<T>(v, D);
            narrow(v, D, p.residual_out.ptr<T>() + r * D);
        }
        if (p.kind == norm_kind::layer) {
            // torch divides the sums by D (mean = sum / D), not multiplies by 1/D
            const float mean = sum(v, D) / static_cast<float>(D);
            const float var = sum_sq_dev(v, D, mean) / static_cast<float>(D);
            const float rstd = 1.0f / std::sqrt(var + eps);
            for (int64_t i = 0; i < D; ++i) y[i] = (v[i] - mean) * rstd * w[i];
            if (b)
                for (int64_t i = 0; i < D; ++i) y[i] = y[i] + b[i];
        } else {
            const float var = sum_sq(v, D) / static_cast<float>(D);
            const float rstd = 1.0f / std::sqrt(var + eps);
            for (int64_t i = 0; i < D; ++i) y[i] = v[i] * rstd;
            round_trip<T>(y, D);  // hidden_states.to(input_dtype)
            for (int64_t i = 0; i < D; ++i) y[i] = w[i] * y[i];
        }
        narrow(y, D, p.out.ptr<O>() + r * D);
    }
}

void rows(const norm_params & p, int64_t r0, int64_t r1, const float * w, const float * b, float * v, float * y) {
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            if (p.out.type == p.x.type) run<T, T>(p, r0, r1, w, b, v, y);
            else run<T, float>(p, r0, r1, w, b, v, y);
        }
    });
}

}  // namespace

extern const norm_rows norm_table;
const norm_rows norm_table = {rows};

}  // namespace xemb::cpu::XEMB_ISA_NS
