// matmul: out[bi, m, n] = sum_k a[bi, m, k] b[bi, k, n] with f32 accumulation. Plain 16x16
// shared-memory tiles (correct, not fast: the tensor-core GEMM belongs to the linear op).
#include "common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {
constexpr int tile = 16;

struct batch_index {
    int rank;
    int64_t dims[max_rank];
    int64_t a_strides[max_rank];  // 0 on broadcast dims
    int64_t b_strides[max_rank];
};

template <class T>
__global__ void matmul_kernel(const T * a, const T * b, T * out, int64_t M, int64_t N, int64_t K,
                              int64_t a_rs, int64_t a_cs, int64_t b_rs, int64_t b_cs, batch_index bix) {
    XEMB_SHARED(float, as, tile, tile + 1);
    XEMB_SHARED(float, bs, tile, tile + 1);
    int64_t bi = blockIdx.z, rest = bi, a_off = 0, b_off = 0;
    for (int d = bix.rank - 1; d >= 0; --d) {
        int64_t i = rest % bix.dims[d];
        rest /= bix.dims[d];
        a_off += i * bix.a_strides[d];
        b_off += i * bix.b_strides[d];
    }
    const int64_t row = static_cast<int64_t>(blockIdx.y) * tile + threadIdx.y;
    const int64_t col = static_cast<int64_t>(blockIdx.x) * tile + threadIdx.x;
    float acc = 0.0f;
    for (int64_t k0 = 0; k0 < K; k0 += tile) {
        int64_t ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
        as[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? to_f32(a[a_off + row * a_rs + ka * a_cs]) : 0.0f;
        bs[threadIdx.y][threadIdx.x] = (kb < K && col < N) ? to_f32(b[b_off + kb * b_rs + col * b_cs]) : 0.0f;
        prim::syncthreads();
        for (int kk = 0; kk < tile; ++kk) acc = fmaf(as[threadIdx.y][kk], bs[kk][threadIdx.x], acc);
        prim::syncthreads();
    }
    if (row < M && col < N) out[bi * M * N + row * N + col] = from_f32<T>(acc);
}
}  // namespace

status matmul(const matmul_params & p, const exec_ctx & ctx) {
    shape_t batch = p.out.shape;
    batch.rank -= 2;
    const int64_t nbatch = batch.numel();  // grid limits were checked by supports() in backend.cu
    batch_index bix{};
    bix.rank = batch.rank;
    const shape_t sa = broadcast_strides(p.a, p.out.shape), sb = broadcast_strides(p.b, p.out.shape);
    for (int d = 0; d < batch.rank; ++d) {
        bix.dims[d] = batch[d];
        bix.a_strides[d] = sa[d];
        bix.b_strides[d] = sb[d];
    }
    const int ra = p.a.rank(), rb = p.b.rank();
    dim3 grid(static_cast<unsigned>((p.n + tile - 1) / tile), static_cast<unsigned>((p.m + tile - 1) / tile), static_cast<unsigned>(nbatch));
    status result;
    with_dtype(p.a.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>)
            result = launch("matmul", matmul_kernel<T>, grid, dim3(tile, tile), 0, stream_of(ctx), p.a.ptr<T>(), p.b.ptr<T>(), p.out.ptr<T>(),
                            p.m, p.n, p.k, p.a.strides[ra - 2], p.a.strides[ra - 1], p.b.strides[rb - 2], p.b.strides[rb - 1], bix);
    });
    return result;
}

}  // namespace xemb::cuda
