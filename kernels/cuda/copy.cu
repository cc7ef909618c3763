// copy: out[i] = x[offset(i)] (same dtype), moving elements as raw 1/2/4/8-byte words.
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class W>
__global__ void copy_kernel(const W * x, W * out, int64_t n, nd_index idx) {
    grid_stride(n, [&](int64_t i) {
        out[i] = x[idx.offset(0, i)];
    });
}

template <class W>
status copy_as(const copy_params & p, const exec_ctx & ctx) {
    const shape_t * st[1] = {&p.x.strides};
    nd_index idx = make_nd(p.x.shape, st, 1);
    const int64_t n = p.out.numel();
    return launch("copy", copy_kernel<W>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.x.ptr<W>(), p.out.ptr<W>(), n, idx);
}
}  // namespace

status copy(const copy_params & p, const exec_ctx & ctx) {
    switch (dtype_size(p.x.type)) {
        case 1: return copy_as<uint8_t>(p, ctx);
        case 2: return copy_as<uint16_t>(p, ctx);
        case 4: return copy_as<uint32_t>(p, ctx);
        default: return copy_as<uint64_t>(p, ctx);
    }
}

}  // namespace xemb::cuda
