// add / sub / mul / div with broadcasting: out[i] = a[offset_a(i)] (op) b[offset_b(i)]. Floats in
// f32 with one rounding (no FMA involved), integers wrap; same results as the CPU kernel.
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
template <class T>
__device__ __forceinline__ T apply(binary_kind k, T x, T y) {
    if constexpr (is_floatish_v<T>) {
        float fx = to_f32(x), fy = to_f32(y), r;
        switch (k) {
            case binary_kind::add: r = __fadd_rn(fx, fy); break;
            case binary_kind::sub: r = __fsub_rn(fx, fy); break;
            case binary_kind::mul: r = __fmul_rn(fx, fy); break;
            default: r = __fdiv_rn(fx, fy); break;
        }
        return from_f32<T>(r);
    } else {
        using U = std::make_unsigned_t<T>;
        switch (k) {
            case binary_kind::add: return static_cast<T>(static_cast<U>(x) + static_cast<U>(y));
            case binary_kind::sub: return static_cast<T>(static_cast<U>(x) - static_cast<U>(y));
            case binary_kind::mul: return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
            default: return T(0);
        }
    }
}

template <class T>
__global__ void binary_kernel(binary_kind k, const T * a, const T * b, T * out, int64_t n, nd_index idx) {
    grid_stride(n, [&](int64_t i) {
        out[i] = apply<T>(k, a[idx.offset(0, i)], b[idx.offset(1, i)]);
    });
}
}  // namespace

status binary(const binary_params & p, const exec_ctx & ctx) {
    const shape_t sa = broadcast_strides(p.a, p.out.shape), sb = broadcast_strides(p.b, p.out.shape);
    const shape_t * st[2] = {&sa, &sb};
    nd_index idx = make_nd(p.out.shape, st, 2);
    const int64_t n = p.out.numel();
    status result;
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (!std::is_same_v<T, bool_t>)
            result = launch("binary", binary_kernel<T>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.kind, p.a.ptr<T>(), p.b.ptr<T>(), p.out.ptr<T>(), n, idx);
    });
    return result;
}

}  // namespace xemb::cuda
