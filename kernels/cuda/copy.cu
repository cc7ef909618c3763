// copy: out[i] = x[offset(i)] (same dtype), moving elements as raw 1/2/4/8-byte words.
// Variants: one thread per output element with an N-d offset (any view); and for transpose-like
// views (after merging dims, x's innermost stride != 1 but an outer dim has stride 1: the
// contiguous() of a transpose) a shared-memory tiled transpose, 32 x 32 tiles (33 columns so the
// column reads hit 32 different banks): both the global reads and the global writes coalesce.
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

constexpr int tile = 32, tile_rows = 8;

// out[plane][i][j] = x[plane][j][i]: i has x stride 1 and out stride os_i; j has out stride 1 and
// x stride xs_j. planes: the remaining dims, operand 0 = out strides, operand 1 = x strides.
template <class W>
__global__ void transpose_kernel(const W * x, W * out, int64_t rows, int64_t cols, int64_t os_i, int64_t xs_j, nd_index planes) {
    XEMB_SHARED(W, buf, tile, tile + 1);
    const int64_t plane = blockIdx.z;
    const int64_t oo = planes.offset(0, plane), xo = planes.offset(1, plane);
    const int64_t i0 = static_cast<int64_t>(blockIdx.y) * tile, j0 = static_cast<int64_t>(blockIdx.x) * tile;
    for (int jj = threadIdx.y; jj < tile; jj += tile_rows) {
        const int64_t i = i0 + threadIdx.x, j = j0 + jj;
        if (i < rows && j < cols) buf[jj][threadIdx.x] = x[xo + i + j * xs_j];
    }
    prim::syncthreads();
    for (int ii = threadIdx.y; ii < tile; ii += tile_rows) {
        const int64_t i = i0 + ii, j = j0 + threadIdx.x;
        if (i < rows && j < cols) {
            const W v = buf[threadIdx.x][ii];
            out[oo + i * os_i + j] = v;
        }
    }
}

// Dims of size 1 dropped and neighbours merged where both operands allow (as the CPU walker).
struct merged {
    int rank = 0;
    int64_t dims[max_rank];
    int64_t os[max_rank], xs[max_rank];
};

merged merge_dims(const shape_t & shape, const shape_t & out_strides, const shape_t & x_strides) {
    merged m;
    for (int d = 0; d < shape.rank; ++d) {
        if (shape[d] == 1) continue;
        if (m.rank > 0 && m.os[m.rank - 1] == out_strides[d] * shape[d] && m.xs[m.rank - 1] == x_strides[d] * shape[d]) {
            m.dims[m.rank - 1] *= shape[d];
            m.os[m.rank - 1] = out_strides[d];
            m.xs[m.rank - 1] = x_strides[d];
            continue;
        }
        m.dims[m.rank] = shape[d];
        m.os[m.rank] = out_strides[d];
        m.xs[m.rank] = x_strides[d];
        ++m.rank;
    }
    return m;
}

// The tiled transpose when the view has that shape and fits the grid; `launched` says whether it ran.
template <class W>
status try_transpose(const copy_params & p, const exec_ctx & ctx, bool & launched) {
    launched = false;
    const merged m = merge_dims(p.x.shape, contiguous_strides(p.x.shape), p.x.strides);
    const int r = m.rank;
    if (r < 2 || m.xs[r - 1] == 1) return status::success();
    int k = -1;
    for (int d = r - 2; d >= 0 && k < 0; --d)
        if (m.xs[d] == 1) k = d;
    if (k < 0) return status::success();
    const int64_t rows = m.dims[k], cols = m.dims[r - 1];
    nd_index planes{};
    int64_t np = 1;
    for (int d = 0; d < r - 1; ++d) {
        if (d == k) continue;
        planes.dims[planes.rank] = m.dims[d];
        planes.strides[0][planes.rank] = m.os[d];
        planes.strides[1][planes.rank] = m.xs[d];
        ++planes.rank;
        np *= m.dims[d];
    }
    const int64_t gy = (rows + tile - 1) / tile, gx = (cols + tile - 1) / tile;
    if (rows < tile || cols < tile || gy > 65535 || np > 65535 || gx > 2147483647) return status::success();
    launched = true;
    return launch("copy", transpose_kernel<W>, dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy), static_cast<unsigned>(np)), dim3(tile, tile_rows), 0,
                  stream_of(ctx), p.x.ptr<W>(), p.out.ptr<W>(), rows, cols, m.os[k], m.xs[r - 1], planes);
}

template <class W>
status copy_as(const copy_params & p, const exec_ctx & ctx) {
    bool launched = false;
    XEMB_RETURN_IF_ERROR(try_transpose<W>(p, ctx, launched));
    if (launched) return status::success();
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
