// copy: out = x laid out contiguously (same dtype), x any strides.
#include <cstring>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {
template <size_t N> struct bytes_t { unsigned char b[N]; };
}

status copy(const copy_params & p, const exec_ctx & ctx) {
    const shape_t out_strides = contiguous_strides(p.out.shape);
    const shape_t * st[2] = {&out_strides, &p.x.strides};
    row_walker w(p.out.shape, st, 2);
    const int64_t len = w.row_len(), si = w.inner_stride(1);
    auto run = [&](auto tag) {
        using T = decltype(tag);
        const T * src = p.x.ptr<T>();
        T * dst = p.out.ptr<T>();
        ctx.pool->parallel_for(w.rows(), row_grain(len), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const T * s = src + w.row_offset(1, r);
                T * d = dst + w.row_offset(0, r);
                if (si == 1) std::memcpy(d, s, static_cast<size_t>(len) * sizeof(T));
                else for (int64_t i = 0; i < len; ++i) d[i] = s[i * si];
            }
        });
    };
    switch (dtype_size(p.x.type)) {
        case 1: run(bytes_t<1>{}); break;
        case 2: run(bytes_t<2>{}); break;
        case 4: run(bytes_t<4>{}); break;
        default: run(bytes_t<8>{}); break;
    }
    return status::success();
}

}  // namespace xemb::cpu
