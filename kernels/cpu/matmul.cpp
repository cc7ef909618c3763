// matmul: out[..., m, n] = sum_k a[..., m, k] b[..., k, n], f32 accumulation. Per batch, b is
// packed to a contiguous f32 [K, N] panel (widening f16/bf16 once), a rows are widened per block,
// and rows are split across the pool. Reference speed; the fast path is the linear op's GEMM.
#include <memory>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace {

template <class T>
void widen_2d(const T * src, int64_t rows, int64_t cols, int64_t rs, int64_t cs, float * dst) {
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) dst[r * cols + c] = to_f32(src[r * rs + c * cs]);
}

// Element offset of batch `bi` (row-major over the broadcast batch shape) in tensor t.
int64_t batch_offset(const tensor & t, const shape_t & batch, int64_t bi) {
    const int lead = batch.rank - (t.rank() - 2);
    int64_t off = 0;
    for (int d = batch.rank - 1; d >= 0; --d) {
        int64_t i = bi % batch[d];
        bi /= batch[d];
        int td = d - lead;
        if (td >= 0 && t.shape[td] != 1) off += i * t.strides[td];
    }
    return off;
}

}  // namespace

status matmul(const matmul_params & p, const exec_ctx & ctx) {
    const int64_t M = p.m, N = p.n, K = p.k;
    shape_t batch = p.out.shape;
    batch.rank -= 2;
    const int64_t nbatch = batch.numel();
    if (M == 0 || N == 0 || nbatch == 0) return status::success();
    const vec_kernels & v = vec();
    const int ra = p.a.rank(), rb = p.b.rank();
    const int64_t a_rs = p.a.strides[ra - 2], a_cs = p.a.strides[ra - 1];
    const int64_t b_rs = p.b.strides[rb - 2], b_cs = p.b.strides[rb - 1];

    std::unique_ptr<float[]> bpanel(new (std::nothrow) float[static_cast<size_t>(K * N) + 1]);
    std::unique_ptr<float[]> cbuf;
    const bool out_f32 = p.out.type == dtype::f32;
    if (!out_f32) cbuf.reset(new (std::nothrow) float[static_cast<size_t>(M * N)]);
    if (!bpanel || (!out_f32 && !cbuf))
        return make_status(status_code::out_of_memory, "matmul: could not allocate the f32 working panels");

    with_dtype(p.a.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, float> || is_half_v<T>) {
            for (int64_t bi = 0; bi < nbatch; ++bi) {
                const T * a = p.a.ptr<T>() + batch_offset(p.a, batch, bi);
                const T * b = p.b.ptr<T>() + batch_offset(p.b, batch, bi);
                widen_2d(b, K, N, b_rs, b_cs, bpanel.get());
                float * c = out_f32 ? p.out.ptr<float>() + bi * M * N : cbuf.get();
                ctx.pool->parallel_for(M, 16, [&](int64_t r0, int64_t r1) {
                    constexpr int64_t rb_ = 16;
                    std::vector<float> arows(static_cast<size_t>(rb_ * K));
                    for (int64_t r = r0; r < r1; r += rb_) {
                        int64_t rows = std::min(rb_, r1 - r);
                        widen_2d(a + r * a_rs, rows, K, a_rs, a_cs, arows.data());
                        v.gemm_rows_f32(rows, N, K, arows.data(), K, bpanel.get(), c + r * N);
                    }
                });
                if (!out_f32) {
                    T * o = p.out.ptr<T>() + bi * M * N;
                    for (int64_t i = 0; i < M * N; ++i) o[i] = from_f32<T>(cbuf[i]);
                }
            }
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
