// index_select / gather / scatter_rows (params/gather.h has the math), rows moved as raw words.
//   index_select: x [outer, size, inner] -> out [outer, n, inner], one memcpy per (outer, j).
//   gather: out[e] = x[coords of e with coords[dim] = index[e]], x any strides.
//   scatter_rows: winner[r] = the last i with index[i] == r (a serial pass, so duplicates are
//     deterministic), then every output row is copied once from src[winner[r]] or x[r].
// Indices are checked before any write. References: torch.index_select, torch.gather,
// torch.Tensor.index_put_ (accumulate=False).
#include <cstring>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "index-check.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

status index_select(const index_params & p, const exec_ctx & ctx) {
    XEMB_RETURN_IF_ERROR(check_indices("index_select", "index", p.index, p.size));
    const int64_t inner = p.inner, n = p.n, size = p.size;
    if (p.out.numel() == 0) return status::success();
    with_word(p.x.type, [&](auto tag) {
        using W = decltype(tag);
        const W * x = p.x.ptr<W>();
        W * out = p.out.ptr<W>();
        ctx.pool->parallel_for(p.outer * n, row_grain(inner), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t o = r / n, j = r % n;
                std::memcpy(out + r * inner, x + (o * size + index_at(p.index, j)) * inner, static_cast<size_t>(inner) * sizeof(W));
            }
        });
    });
    return status::success();
}

status gather_elems(const index_params & p, const exec_ctx & ctx) {
    XEMB_RETURN_IF_ERROR(check_indices("gather", "index", p.index, p.size));
    const int rank = p.out.rank();
    const int64_t last = p.out.shape[rank - 1];
    const int64_t rows = last == 0 ? 0 : p.out.numel() / last;
    const int64_t xs_last = p.x.strides[rank - 1], xs_dim = p.x.strides[p.dim];
    const bool dim_last = p.dim == rank - 1;
    with_word(p.x.type, [&](auto tag) {
        using W = decltype(tag);
        const W * x = p.x.ptr<W>();
        W * out = p.out.ptr<W>();
        ctx.pool->parallel_for(rows, row_grain(last), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                // x offset of the row's coordinates except dim (and except the last dim)
                int64_t rest = r, base = 0;
                for (int d = rank - 2; d >= 0; --d) {
                    const int64_t c = rest % p.out.shape[d];
                    rest /= p.out.shape[d];
                    if (d != p.dim) base += c * p.x.strides[d];
                }
                const int64_t e0 = r * last;
                for (int64_t j = 0; j < last; ++j) {
                    const int64_t idx = index_at(p.index, e0 + j);
                    out[e0 + j] = x[base + (dim_last ? idx * xs_last : j * xs_last + idx * xs_dim)];
                }
            }
        });
    });
    return status::success();
}

status scatter_rows(const index_params & p, const exec_ctx & ctx) {
    XEMB_RETURN_IF_ERROR(check_indices("scatter_rows", "index", p.index, p.size));
    std::vector<int64_t> winner(static_cast<size_t>(p.size), -1);
    for (int64_t i = 0; i < p.n; ++i) winner[static_cast<size_t>(index_at(p.index, i))] = i;
    const int64_t inner = p.inner;
    if (p.out.numel() == 0) return status::success();
    with_word(p.x.type, [&](auto tag) {
        using W = decltype(tag);
        const W * x = p.x.ptr<W>();
        const W * src = p.src.ptr<W>();
        W * out = p.out.ptr<W>();
        ctx.pool->parallel_for(p.size, row_grain(inner), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t w = winner[static_cast<size_t>(r)];
                std::memcpy(out + r * inner, w >= 0 ? src + w * inner : x + r * inner, static_cast<size_t>(inner) * sizeof(W));
            }
        });
    });
    return status::success();
}

}  // namespace

status gather(const index_params & p, const exec_ctx & ctx) {
    switch (p.k) {
        case index_params::kind::select: return index_select(p, ctx);
        case index_params::kind::gather: return gather_elems(p, ctx);
        case index_params::kind::scatter_rows: return scatter_rows(p, ctx);
    }
    return status::success();
}

}  // namespace xemb::cpu
