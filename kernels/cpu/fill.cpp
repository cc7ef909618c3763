// fill: out[...] = value (already checked representable in out.dtype by params/fill.h).
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status fill(const fill_params & p, const exec_ctx & ctx) {
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        const T v = from_f64<T>(p.value);
        T * out = p.out.ptr<T>();
        ctx.pool->parallel_for(p.out.numel(), 1 << 16, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) out[i] = v;
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
