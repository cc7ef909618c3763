// cast: out = convert<dtype>(x) elementwise, x any strides, out contiguous. Rules in convert.h.
// Contiguous bf16 -> f32, f16 -> f32 and f32 -> bf16 (the conversions of weight loading) run the
// per-ISA vector loops of cast-rows.h; everything else the generic per-element convert<S, D>.
// A single long row (a contiguous tensor) is split across the pool, not given to one thread.
#include <algorithm>

#include "../../native/thread-pool.h"
#include "cast-rows.h"
#include "common.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace {

const cast_rows & rows_for_isa() {
    switch (isa_level()) {
        case 3:
        case 2: return avx512::cast_rows_table;
        case 1: return avx2::cast_rows_table;
        default: return generic::cast_rows_table;
    }
}

enum class fast_pair { none, bf16_f32, f16_f32, f32_bf16 };

fast_pair fast_for(dtype from, dtype to) {
    if (from == dtype::bf16 && to == dtype::f32) return fast_pair::bf16_f32;
    if (from == dtype::f16 && to == dtype::f32) return fast_pair::f16_f32;
    if (from == dtype::f32 && to == dtype::bf16) return fast_pair::f32_bf16;
    return fast_pair::none;
}

void fast_row(const cast_rows & r, fast_pair k, int64_t n, const void * src, void * dst) {
    switch (k) {
        case fast_pair::bf16_f32: r.bf16_to_f32(n, static_cast<const uint16_t *>(src), static_cast<float *>(dst)); break;
        case fast_pair::f16_f32: r.f16_to_f32(n, static_cast<const uint16_t *>(src), static_cast<float *>(dst)); break;
        case fast_pair::f32_bf16: r.f32_to_bf16(n, static_cast<const float *>(src), static_cast<uint16_t *>(dst)); break;
        case fast_pair::none: break;
    }
}

constexpr int64_t piece = int64_t(1) << 16;  // elements per task when one row is split

}  // namespace

status cast(const cast_params & p, const exec_ctx & ctx) {
    const shape_t out_strides = contiguous_strides(p.out.shape);
    const shape_t * st[2] = {&out_strides, &p.x.strides};
    row_walker w(p.out.shape, st, 2);
    const int64_t len = w.row_len(), si = w.inner_stride(1), rows = w.rows();
    const fast_pair k = si == 1 ? fast_for(p.x.type, p.to) : fast_pair::none;
    if (k != fast_pair::none) {
        static const cast_rows & r = rows_for_isa();
        const size_t ss = dtype_size(p.x.type), ds = dtype_size(p.to);
        const char * src = static_cast<const char *>(p.x.data());
        char * dst = static_cast<char *>(p.out.data());
        if (rows == 1) {
            ctx.pool->parallel_for((len + piece - 1) / piece, 1, [&](int64_t b, int64_t e) {
                const int64_t i0 = b * piece, i1 = std::min(len, e * piece);
                fast_row(r, k, i1 - i0, src + i0 * ss, dst + i0 * ds);
            });
        } else {
            ctx.pool->parallel_for(rows, row_grain(len), [&](int64_t r0, int64_t r1) {
                for (int64_t q = r0; q < r1; ++q) fast_row(r, k, len, src + w.row_offset(1, q) * ss, dst + w.row_offset(0, q) * ds);
            });
        }
        return status::success();
    }
    with_dtype(p.x.type, [&](auto s_tag) {
        using S = decltype(s_tag);
        with_dtype(p.to, [&](auto d_tag) {
            using D = decltype(d_tag);
            const S * src = p.x.ptr<S>();
            D * dst = p.out.ptr<D>();
            auto run = [&](int64_t r, int64_t i0, int64_t i1) {
                const S * s = src + w.row_offset(1, r);
                D * d = dst + w.row_offset(0, r);
                for (int64_t i = i0; i < i1; ++i) d[i] = convert<S, D>(s[i * si]);
            };
            if (rows == 1) {
                ctx.pool->parallel_for((len + piece - 1) / piece, 1, [&](int64_t b, int64_t e) { run(0, b * piece, std::min(len, e * piece)); });
            } else {
                ctx.pool->parallel_for(rows, row_grain(len), [&](int64_t r0, int64_t r1) {
                    for (int64_t r = r0; r < r1; ++r) run(r, 0, len);
                });
            }
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
