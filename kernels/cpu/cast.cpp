// cast: out = convert<dtype>(x) elementwise, x any strides, out contiguous. Rules in convert.h.
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status cast(const cast_params & p, const exec_ctx & ctx) {
    const shape_t out_strides = contiguous_strides(p.out.shape);
    const shape_t * st[2] = {&out_strides, &p.x.strides};
    row_walker w(p.out.shape, st, 2);
    with_dtype(p.x.type, [&](auto s_tag) {
        using S = decltype(s_tag);
        with_dtype(p.to, [&](auto d_tag) {
            using D = decltype(d_tag);
            const S * src = p.x.ptr<S>();
            D * dst = p.out.ptr<D>();
            const int64_t len = w.row_len(), si = w.inner_stride(1);
            ctx.pool->parallel_for(w.rows(), row_grain(len), [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; ++r) {
                    const S * s = src + w.row_offset(1, r);
                    D * d = dst + w.row_offset(0, r);
                    for (int64_t i = 0; i < len; ++i) d[i] = convert<S, D>(s[i * si]);
                }
            });
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
