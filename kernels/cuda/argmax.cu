// argmax: out[o, i] = the first j maximising x[o, j, i] (x contiguous [outer, n, inner]); a NaN
// beats every number and the first NaN wins (torch.argmax).
//   inner == 1 (the decode case, argmax over the vocabulary): one block per row, each thread
//     scans a strided subset in index order, then a warp-shuffle + shared-memory tree keeps the
//     best (value, index) pair under the same total order, so ties still go to the first index.
//   inner > 1: one thread per output element scans n (coalesced across i).
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {

// (va, ia) ranks before (vb, ib): NaN first (lower index among NaNs), then larger, then lower index.
__device__ __forceinline__ bool argmax_better(float va, int64_t ia, float vb, int64_t ib) {
    const bool na = va != va, nb = vb != vb;
    if (na || nb) return na && (!nb || ia < ib);
    return va > vb || (va == vb && ia < ib);
}

constexpr int block = 256;

template <class T>
__global__ void argmax_rows_kernel(const T * x, int64_t * out, int64_t rows, int64_t n) {
    XEMB_SHARED(float, sv, block / 32);
    XEMB_SHARED(int64_t, si, block / 32);
    const unsigned lane = prim::lane_id(), warp = prim::warp_id();
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const T * row = x + r * n;
        float bv = -INFINITY;
        int64_t bi = INT64_MAX;
        for (int64_t j = threadIdx.x; j < n; j += block) {
            const float v = to_f32(row[j]);
            if (argmax_better(v, j, bv, bi)) {
                bv = v;
                bi = j;
            }
        }
        warp_best(bv, bi, [](auto x, int64_t xi, auto y, int64_t yi) { return argmax_better(x, xi, y, yi); });
        if (lane == 0) {
            sv[warp] = bv;
            si[warp] = bi;
        }
        prim::syncthreads();
        if (warp == 0) {
            if (lane < block / 32) {
                bv = sv[lane];
                bi = si[lane];
            } else {
                bv = -INFINITY;
                bi = INT64_MAX;
            }
            warp_best(bv, bi, [](auto x, int64_t xi, auto y, int64_t yi) { return argmax_better(x, xi, y, yi); });
            if (lane == 0) out[r] = bi;
        }
        prim::syncthreads();  // sv/si are rewritten for the next row
    }
}

template <class T>
__global__ void argmax_cols_kernel(const T * x, int64_t * out, int64_t total, int64_t n, int64_t inner) {
    grid_stride(total, [&](int64_t e) {
        const int64_t o = e / inner, i = e - o * inner;
        const T * col = x + o * n * inner + i;
        float bv = to_f32(col[0]);
        int64_t bi = 0;
        for (int64_t j = 1; j < n && bv == bv; ++j) {
            const float v = to_f32(col[j * inner]);
            if (v != v || v > bv) {
                bv = v;
                bi = j;
            }
        }
        out[e] = bi;
    });
}

}  // namespace

status argmax(const argmax_params & p, const exec_ctx & ctx) {
    const int64_t total = p.outer * p.inner;
    status result;
    with_dtype(p.x.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>) {
            if (p.inner == 1)
                result = launch("argmax", argmax_rows_kernel<T>, dim3(static_cast<unsigned>(total < 65535 ? total : 65535)), dim3(block), 0, stream_of(ctx), p.x.ptr<T>(),
                                p.out.ptr<int64_t>(), total, p.n);
            else
                result = launch("argmax", argmax_cols_kernel<T>, grid_for(total, 256), dim3(256), 0, stream_of(ctx), p.x.ptr<T>(), p.out.ptr<int64_t>(), total, p.n, p.inner);
        }
    });
    return result;
}

}  // namespace xemb::cuda
