// cast: out[i] = convert<D>(x[offset(i)]), grid-stride over the output. Rules in native/elem.h.
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class S, class D>
__global__ void cast_kernel(const S * x, D * out, int64_t n, nd_index idx) {
    grid_stride(n, [&](int64_t i) {
        out[i] = convert<S, D>(x[idx.offset(0, i)]);
    });
}
}  // namespace

status cast(const cast_params & p, const exec_ctx & ctx) {
    const shape_t * st[1] = {&p.x.strides};
    nd_index idx = make_nd(p.x.shape, st, 1);
    const int64_t n = p.out.numel();
    status result;
    with_dtype(p.x.type, [&](auto s_tag) {
        using S = decltype(s_tag);
        with_dtype(p.to, [&](auto d_tag) {
            using D = decltype(d_tag);
            result = launch("cast", cast_kernel<S, D>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.x.ptr<S>(), p.out.ptr<D>(), n, idx);
        });
    });
    return result;
}

}  // namespace xemb::cuda
