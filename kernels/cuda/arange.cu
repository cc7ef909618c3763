// arange: out[i] = start + i * step in f64 without FMA (matches the CPU bit for bit), rounded once.
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class T>
__global__ void arange_kernel(T * out, int64_t n, double start, double step) {
    grid_stride(n, [&](int64_t i) {
        out[i] = from_f64<T>(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));
    });
}
}  // namespace

status arange(const arange_params & p, const exec_ctx & ctx) {
    const int64_t n = p.out.numel();
    status result;
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        result = launch("arange", arange_kernel<T>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.out.ptr<T>(), n, p.start, p.step);
    });
    return result;
}

}  // namespace xemb::cuda
