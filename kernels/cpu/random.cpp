// random_uniform / random_normal from the shared Philox stream (native/philox.h). This file is
// compiled with -ffp-contract=off so that no FMA changes the bits relative to the CUDA kernel.
#include "../../native/philox.h"
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status random(const random_params & p, const exec_ctx & ctx) {
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>) {
            T * out = p.out.ptr<T>();
            ctx.pool->parallel_for(p.out.numel(), 1 << 14, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) {
                    double v;
                    if (p.normal) v = rng_add(p.a, rng_mul(p.b, philox_normal(p.seed, p.offset, static_cast<uint64_t>(i))));
                    else v = rng_add(p.a, rng_mul(p.b - p.a, philox_unit(philox_bits(p.seed, p.offset, static_cast<uint64_t>(i)))));
                    out[i] = from_f64<T>(v);
                }
            });
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
