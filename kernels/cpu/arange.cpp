// arange: out[i] = start + i * step in f64, rounded once to out.dtype.
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status arange(const arange_params & p, const exec_ctx & ctx) {
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        T * out = p.out.ptr<T>();
        ctx.pool->parallel_for(p.out.numel(), 1 << 16, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
                out[i] = from_f64<T>(p.start + static_cast<double>(i) * p.step);
            }
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
