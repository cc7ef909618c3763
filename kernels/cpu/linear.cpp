// linear: out[m, n] = sum_k x[m, k] w[n, k] + bias[n], f32 accumulation, one rounding to x's
// dtype. PLACEHOLDER (scalar dot products, rows split over the pool): the cache-blocked,
// ISA-dispatched GEMM/GEMV replaces this body.
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status linear(const linear_params & p, const exec_ctx & ctx) {
    if (p.m == 0 || p.n == 0) return status::success();
    with_dtype(p.x.type, [&](auto xt) {
        using X = decltype(xt);
        if constexpr (std::is_same_v<X, float> || is_half_v<X>) {
            with_dtype(p.w.type, [&](auto wt) {
                using W = decltype(wt);
                if constexpr (std::is_same_v<W, float> || is_half_v<W>) {
                    const X * x = p.x.ptr<X>();
                    const W * w = p.w.ptr<W>();
                    X * out = p.out.ptr<X>();
                    ctx.pool->parallel_for(p.m, 1, [&](int64_t r0, int64_t r1) {
                        for (int64_t r = r0; r < r1; ++r)
                            for (int64_t n = 0; n < p.n; ++n) {
                                float acc = 0.0f;
                                for (int64_t k = 0; k < p.k; ++k) acc += to_f32(x[r * p.k + k]) * to_f32(w[n * p.k + k]);
                                if (p.has_bias) with_dtype(p.bias.type, [&](auto bt) {
                                    using B = decltype(bt);
                                    if constexpr (std::is_same_v<B, float> || is_half_v<B>) acc += to_f32(p.bias.ptr<B>()[n]);
                                });
                                out[r * p.n + n] = from_f32<X>(acc);
                            }
                    });
                }
            });
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
