// fill: out[i] = value rounded once to out.dtype (native/elem.h from_f64, same as the CPU).
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class T>
__global__ void fill_kernel(T * out, int64_t n, T v) {
    grid_stride(n, [&](int64_t i) {
        out[i] = v;
    });
}
}  // namespace

status fill(const fill_params & p, const exec_ctx & ctx) {
    const int64_t n = p.out.numel();
    status result;
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        result = launch("fill", fill_kernel<T>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.out.ptr<T>(), n, from_f64<T>(p.value));
    });
    return result;
}

}  // namespace xemb::cuda
