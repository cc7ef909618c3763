// add / sub / mul / div with broadcasting: out = a (op) b, out contiguous. Float rows go through
// the ISA-dispatched loops in vec.h; integer rows wrap modulo 2^bits.
#include <type_traits>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace {

template <class T>
T int_op(binary_kind k, T x, T y) {
    using U = std::make_unsigned_t<T>;  // unsigned arithmetic: defined wrap-around
    switch (k) {
        case binary_kind::add: return static_cast<T>(static_cast<U>(x) + static_cast<U>(y));
        case binary_kind::sub: return static_cast<T>(static_cast<U>(x) - static_cast<U>(y));
        case binary_kind::mul: return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
        default: return T(0);  // div on integers is rejected by params validation
    }
}

}  // namespace

status binary(const binary_params & p, const exec_ctx & ctx) {
    const shape_t out_strides = contiguous_strides(p.out.shape);
    const shape_t sa = broadcast_strides(p.a, p.out.shape), sb = broadcast_strides(p.b, p.out.shape);
    const shape_t * st[3] = {&out_strides, &sa, &sb};
    row_walker w(p.out.shape, st, 3);
    const int64_t len = w.row_len(), ia = w.inner_stride(1), ib = w.inner_stride(2);
    const auto fk = static_cast<binary_fn_kind>(static_cast<int>(p.kind));
    const vec_kernels & v = vec();
    with_dtype(p.out.type, [&](auto tag) {
        using T = decltype(tag);
        const T * a = p.a.ptr<T>();
        const T * b = p.b.ptr<T>();
        T * out = p.out.ptr<T>();
        ctx.pool->parallel_for(w.rows(), row_grain(len), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const T * ar = a + w.row_offset(1, r);
                const T * br = b + w.row_offset(2, r);
                T * o = out + w.row_offset(0, r);
                if constexpr (std::is_same_v<T, float>) {
                    v.binary_f32(fk, len, ar, ia, br, ib, o);
                } else if constexpr (std::is_same_v<T, f16_t>) {
                    v.binary_f16(fk, len, &ar->bits, ia, &br->bits, ib, &o->bits);
                } else if constexpr (std::is_same_v<T, bf16_t>) {
                    v.binary_bf16(fk, len, &ar->bits, ia, &br->bits, ib, &o->bits);
                } else if constexpr (std::is_integral_v<T>) {
                    for (int64_t i = 0; i < len; ++i) o[i] = int_op<T>(p.kind, ar[i * ia], br[i * ib]);
                }
            }
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
