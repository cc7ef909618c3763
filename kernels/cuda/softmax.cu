// softmax over the last dim on CUDA: one block per row (blocks stride over rows), block max, then
// block sum of exp(x - max), then out = exp(x - max) / sum rounded once; f32 throughout. NaN /
// +inf anywhere or an all -inf row give a NaN row, as PyTorch and the CPU kernel. Rows of a
// multiple of 16 bytes with out in x's dtype move in 16-byte vectors.
// Reference: torch.softmax; the CPU kernel kernels/cpu/softmax.cpp.
#include "common.cuh"
#include "nn-common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {

__global__ void softmax_kernel(const void * x, dtype tx, void * out, dtype to, int64_t rows, int64_t d, bool vec) {
    XEMB_SHARED(float, slots, 32);
    const unsigned tid = threadIdx.x, nt = blockDim.x;
    if (vec) {
        // out has x's dtype, d is a multiple of the 16-byte vector and rows are aligned
        const int per = tx == dtype::f32 ? 4 : 8;
        const int64_t nv = d / per;
        const auto * xv = static_cast<const nn::vec16 *>(x);
        for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
            const int64_t vb = r * nv;
            float m = -INFINITY;
            for (int64_t j = tid; j < nv; j += nt) {
                const nn::vec16 v = xv[vb + j];
                for (int e = 0; e < per; ++e) {
                    const float f = nn::vget(v, tx, e);
                    m = f > m ? f : m;
                }
            }
            m = nn::block_reduce<true>(m, slots);
            float s = 0.0f;
            for (int64_t j = tid; j < nv; j += nt) {
                const nn::vec16 v = xv[vb + j];
                for (int e = 0; e < per; ++e) s = __fadd_rn(s, expf(__fsub_rn(nn::vget(v, tx, e), m)));
            }
            s = nn::block_reduce<false>(s, slots);
            for (int64_t j = tid; j < nv; j += nt) {
                nn::vec16 v = xv[vb + j];
                for (int e = 0; e < per; ++e) nn::vset(v, tx, e, __fdiv_rn(expf(__fsub_rn(nn::vget(v, tx, e), m)), s));
                static_cast<nn::vec16 *>(out)[vb + j] = v;
            }
        }
        return;
    }
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const int64_t base = r * d;
        float m = -INFINITY;
        for (int64_t i = tid; i < d; i += nt) {
            const float v = nn::ld(x, tx, base + i);
            m = v > m ? v : m;
        }
        m = nn::block_reduce<true>(m, slots);
        // a NaN the max skipped still reaches the sum through exp(NaN - m)
        float s = 0.0f;
        for (int64_t i = tid; i < d; i += nt) s = __fadd_rn(s, expf(__fsub_rn(nn::ld(x, tx, base + i), m)));
        s = nn::block_reduce<false>(s, slots);
        for (int64_t i = tid; i < d; i += nt) nn::st(out, to, base + i, __fdiv_rn(expf(__fsub_rn(nn::ld(x, tx, base + i), m)), s));
    }
}

}  // namespace

status softmax(const softmax_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    const int64_t per = p.x.type == dtype::f32 ? 4 : 8;
    const bool vec = p.out.type == p.x.type && p.d % per == 0 && nn::aligned16({p.x.data(), p.out.data()});
    return launch("softmax", softmax_kernel, grid_for(p.rows, 1), dim3(nn::row_threads(vec ? p.d / per : p.d)), 0, stream_of(ctx), p.x.data(), p.x.type,
                  p.out.data(), p.out.type, p.rows, p.d, vec);
}

}  // namespace xemb::cuda
