// random_uniform / random_normal: element i from the shared Philox stream (native/philox.h),
// identical bits to the CPU kernel for the same (seed, offset).
#include "../../native/philox.h"
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class T>
__global__ void random_kernel(T * out, int64_t n, uint64_t seed, uint64_t offset, double a, double b, bool normal) {
    grid_stride(n, [&](int64_t i) {
        double v = normal ? rng_add(a, rng_mul(b, philox_normal(seed, offset, static_cast<uint64_t>(i))))
                          : rng_add(a, rng_mul(__dadd_rn(b, -a), philox_unit(philox_bits(seed, offset, static_cast<uint64_t>(i)))));
        out[i] = from_f64<T>(v);
    });
}
}  // namespace

status random(const random_params & p, const exec_ctx & ctx) {
    const int64_t n = p.out.numel();
    status result;
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>)
            result = launch("random", random_kernel<T>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.out.ptr<T>(), n, p.seed, p.offset, p.a, p.b, p.normal);
    });
    return result;
}

}  // namespace xemb::cuda
