// index_select / gather / scatter_rows (params/gather.h has the math), moved as raw words.
//   index_select: one block per output row of `inner` elements (x [outer, size, inner]).
//   gather: one thread per output element, x any strides.
//   scatter_rows: winner[r] = max i with index[i] == r (atomic max: the last writer in index
//     order wins, as on the CPU, whatever the thread order), then one block per output row copies
//     src[winner[r]] or x[r].
// Out-of-range indices write zeros and are reported through rows.cuh's slot (never read).
#include "ops.cuh"
#include "rows.cuh"

namespace xemb::cuda {

namespace {

template <class W>
__global__ void select_kernel(const W * x, const void * index, bool i64, W * out, int64_t rows, int64_t n, int64_t size, int64_t inner, int64_t * bad) {
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const int64_t o = r / n, j = r - o * n;
        const int64_t idx = load_index(index, i64, j);
        W * d = out + r * inner;
        if (idx < 0 || idx >= size) {
            if (threadIdx.x == 0) prim::atomic_min(bad, j);
            for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) d[t] = zero_word<W>();
            continue;
        }
        const W * s = x + (o * size + idx) * inner;
        for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) d[t] = s[t];
    }
}

template <class W>
__global__ void gather_kernel(const W * x, const void * index, bool i64, W * out, int64_t total, nd_index shape, int dim, int64_t size, int64_t * bad) {
    grid_stride(total, [&](int64_t e) {
        const int64_t idx = load_index(index, i64, e);
        if (idx < 0 || idx >= size) {
            prim::atomic_min(bad, e);
            out[e] = zero_word<W>();
            return;
        }
        int64_t rest = e, off = 0;
        for (int d = shape.rank - 1; d >= 0; --d) {
            const int64_t q = rest / shape.dims[d];
            const int64_t c = rest - q * shape.dims[d];
            rest = q;
            off += (d == dim ? idx : c) * shape.strides[0][d];
        }
        out[e] = x[off];
    });
}

__global__ void winner_init_kernel(int64_t * winner, int64_t rows) {
    grid_stride(rows, [&](int64_t r) { winner[r] = -1; });
}

__global__ void winner_kernel(const void * index, bool i64, int64_t n, int64_t size, int64_t * winner, int64_t * bad) {
    grid_stride(n, [&](int64_t i) {
        const int64_t idx = load_index(index, i64, i);
        if (idx < 0 || idx >= size) prim::atomic_min(bad, i);
        else prim::atomic_max(winner + idx, i);
    });
}

template <class W>
__global__ void scatter_kernel(const W * x, const W * src, const int64_t * winner, W * out, int64_t rows, int64_t inner) {
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const int64_t w = winner[r];
        const W * s = w >= 0 ? src + w * inner : x + r * inner;
        W * d = out + r * inner;
        for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) d[t] = s[t];
    }
}

// Word width for rows of `inner` elements starting at row boundaries of the given tensors.
int row_word(const index_params & p, std::initializer_list<const void *> ptrs) {
    const uint64_t es = dtype_size(p.x.type);
    int w = word_bytes({static_cast<uint64_t>(p.inner) * es});
    for (const void * q : ptrs) w = word_bytes({reinterpret_cast<uintptr_t>(q)}, w);
    return w < static_cast<int>(es) ? static_cast<int>(es) : w;
}

}  // namespace

status gather(const index_params & p, const exec_ctx & ctx) {
    if (p.n == 0 && p.k != index_params::kind::scatter_rows) return status::success();
    bad_slot bad;
    XEMB_RETURN_IF_ERROR(make_bad_slot(ctx, bad));
    const bool i64 = p.index.type == dtype::i64;
    const int64_t es = static_cast<int64_t>(dtype_size(p.x.type));
    status st;
    if (p.k == index_params::kind::select) {
        const int64_t rows = p.outer * p.n;
        if (rows == 0)  // nothing to copy, but the indices are still checked (as on the CPU)
            XEMB_RETURN_IF_ERROR(launch_index_check("index_select", p.index, p.size, bad.ptr, stream_of(ctx)));
        const int w = row_word(p, {p.x.data(), p.out.data()});
        st = with_word_bytes(w, [&](auto tag) {
            using W = decltype(tag);
            const int64_t inner = p.inner * es / w;
            return launch("index_select", select_kernel<W>, rows_grid(rows), rows_block(inner), 0, stream_of(ctx), static_cast<const W *>(p.x.data()), p.index.data(), i64,
                          static_cast<W *>(p.out.data()), rows, p.n, p.size, inner, bad.ptr);
        });
    } else if (p.k == index_params::kind::gather) {
        const shape_t * strides[1] = {&p.x.strides};
        const nd_index shape = make_nd(p.out.shape, strides, 1);
        const int64_t total = p.out.numel();
        st = with_word_bytes(static_cast<int>(es), [&](auto tag) {
            using W = decltype(tag);
            return launch("gather", gather_kernel<W>, grid_for(total, 256), dim3(256), 0, stream_of(ctx), static_cast<const W *>(p.x.data()), p.index.data(), i64,
                          static_cast<W *>(p.out.data()), total, shape, p.dim, p.size, bad.ptr);
        });
    } else {
        storage_ptr winner;
        XEMB_RETURN_IF_ERROR(ctx.dev->allocate(static_cast<size_t>(p.size > 0 ? p.size : 1) * sizeof(int64_t), winner));
        winner->producer = "scatter_rows (winners)";
        int64_t * wp = static_cast<int64_t *>(winner->data);
        XEMB_RETURN_IF_ERROR(launch("scatter_rows", winner_init_kernel, grid_for(p.size, 256), dim3(256), 0, stream_of(ctx), wp, p.size));
        XEMB_RETURN_IF_ERROR(launch("scatter_rows", winner_kernel, grid_for(p.n, 256), dim3(256), 0, stream_of(ctx), p.index.data(), i64, p.n, p.size, wp, bad.ptr));
        if (p.inner > 0) {
            const int w = row_word(p, {p.x.data(), p.src.data(), p.out.data()});
            st = with_word_bytes(w, [&](auto tag) {
                using W = decltype(tag);
                const int64_t inner = p.inner * es / w;
                return launch("scatter_rows", scatter_kernel<W>, rows_grid(p.size), rows_block(inner), 0, stream_of(ctx), static_cast<const W *>(p.x.data()),
                              static_cast<const W *>(p.src.data()), wp, static_cast<W *>(p.out.data()), p.size, inner);
            });
        }
    }
    XEMB_RETURN_IF_ERROR(st);
    return check_bad_slot(ctx, bad, p.op, "index", p.index, p.size);
}

}  // namespace xemb::cuda
