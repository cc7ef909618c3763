// linear: out[m, n] = sum_k x[m, k] w[n, k] + bias[n], f32 accumulation, one rounding to x's
// dtype. PLACEHOLDER (one thread per output): the tensor-core GEMM and the cuBLASLt path replace
// this body.
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class X, class W, class B>
__global__ void linear_naive(const X * x, const W * w, const B * bias, X * out, int64_t M, int64_t N, int64_t K) {
    grid_stride(M * N, [&](int64_t i) {
        const int64_t r = i / N, n = i - r * N;
        float acc = 0.0f;
        for (int64_t k = 0; k < K; ++k) acc += to_f32(x[r * K + k]) * to_f32(w[n * K + k]);
        if (bias) acc += to_f32(bias[n]);
        out[i] = from_f32<X>(acc);
    });
}
}  // namespace

status linear(const linear_params & p, const exec_ctx & ctx) {
    if (p.m == 0 || p.n == 0) return status::success();
    status result;
    const dtype bt = p.has_bias ? p.bias.type : p.x.type;
    with_dtype(p.x.type, [&](auto xt) {
        using X = decltype(xt);
        if constexpr (is_floatish_v<X>) with_dtype(p.w.type, [&](auto wt) {
            using W = decltype(wt);
            if constexpr (is_floatish_v<W>) with_dtype(bt, [&](auto btag) {
                using B = decltype(btag);
                if constexpr (is_floatish_v<B>) {
                    const int64_t total = p.m * p.n;
                    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((total + 255) / 256, 65535));
                    result = launch("linear", linear_naive<X, W, B>, dim3(blocks), dim3(256), 0, stream_of(ctx), p.x.ptr<X>(), p.w.ptr<W>(),
                                    p.has_bias ? p.bias.ptr<B>() : static_cast<const B *>(nullptr), p.out.ptr<X>(), p.m, p.n, p.k);
                }
            });
        });
    });
    return result;
}

}  // namespace xemb::cuda
