// rms_norm / layer_norm / add_rms_norm on CUDA: one block per row of the last dim, f32 block
// sums (warp shuffles), then a second pass that writes the row. rms: out = w * cast_T(x * (1 /
// sqrt(sum(x^2) / D + eps))); add_rms first writes res = cast_T(x + residual) and normalises it;
// layer: (x - mean) * rstd * w + b with a two-pass variance. rms/add_rms rows whose length is a
// multiple of 16 bytes move in 16-byte vectors (8 halves / 4 floats per access). Explicit _rn intrinsics keep the
// rounding points of the CPU kernel (nvcc would otherwise fuse products and sums).
// Shapes, dtypes and rounding points: native/params/norm.h.
#include "common.cuh"
#include "nn-common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {

struct norm_args {
    norm_kind kind;
    const void * x;
    const void * residual;
    const void * w;
    const void * b;
    void * out;
    void * res_out;
    dtype tx, tw, tb, to;
    bool has_bias;
    int64_t d;
    float eps;
    bool vec;  // rms/add_rms with out in x's dtype, D a multiple of a 16-byte vector, aligned rows
};

template <class Slots>
__device__ __forceinline__ void norm_row(const norm_args & a, int64_t row, Slots & slots) {
    const int64_t D = a.d, base = row * D;
    const unsigned tid = threadIdx.x, nt = blockDim.x;
    const float fd = static_cast<float>(D);
    if (a.kind == norm_kind::layer) {
        float s = 0.0f;
        for (int64_t i = tid; i < D; i += nt) s = __fadd_rn(s, nn::ld(a.x, a.tx, base + i));
        const float mean = __fdiv_rn(nn::block_reduce<false>(s, slots), fd);
        float q = 0.0f;
        for (int64_t i = tid; i < D; i += nt) {
            const float dv = __fsub_rn(nn::ld(a.x, a.tx, base + i), mean);
            q = __fadd_rn(q, __fmul_rn(dv, dv));
        }
        const float var = __fdiv_rn(nn::block_reduce<false>(q, slots), fd);
        const float rstd = __fdiv_rn(1.0f, sqrtf(__fadd_rn(var, a.eps)));
        for (int64_t i = tid; i < D; i += nt) {
            float y = __fmul_rn(__fmul_rn(__fsub_rn(nn::ld(a.x, a.tx, base + i), mean), rstd), nn::ld(a.w, a.tw, i));
            if (a.has_bias) y = __fadd_rn(y, nn::ld(a.b, a.tb, i));
            nn::st(a.out, a.to, base + i, y);
        }
        return;
    }
    const bool add = a.kind == norm_kind::add_rms;
    if (a.vec) {
        const int per = a.tx == dtype::f32 ? 4 : 8;
        const int64_t nv = D / per, vb = base / per;
        const auto * xv = static_cast<const nn::vec16 *>(a.x);
        auto * rv = static_cast<nn::vec16 *>(a.res_out);
        float q = 0.0f;
        for (int64_t j = tid; j < nv; j += nt) {
            nn::vec16 v = xv[vb + j];
            if (add) {
                const nn::vec16 r = static_cast<const nn::vec16 *>(a.residual)[vb + j];
                for (int e = 0; e < per; ++e) nn::vset(v, a.tx, e, __fadd_rn(nn::vget(v, a.tx, e), nn::vget(r, a.tx, e)));
                rv[vb + j] = v;
            }
            for (int e = 0; e < per; ++e) {
                const float f = nn::vget(v, a.tx, e);
                q = __fadd_rn(q, __fmul_rn(f, f));
            }
        }
        const float var = __fdiv_rn(nn::block_reduce<false>(q, slots), fd);
        const float rstd = __fdiv_rn(1.0f, sqrtf(__fadd_rn(var, a.eps)));
        const nn::vec16 * src = add ? rv : xv;  // res_out rows were written by this same thread
        for (int64_t j = tid; j < nv; j += nt) {
            nn::vec16 v = src[vb + j];
            for (int e = 0; e < per; ++e) {
                const float y = nn::rnd(a.tx, __fmul_rn(nn::vget(v, a.tx, e), rstd));
                nn::vset(v, a.tx, e, __fmul_rn(nn::ld(a.w, a.tw, j * per + e), y));
            }
            static_cast<nn::vec16 *>(a.out)[vb + j] = v;
        }
        return;
    }
    float q = 0.0f;
    for (int64_t i = tid; i < D; i += nt) {
        float v = nn::ld(a.x, a.tx, base + i);
        if (add) {
            v = nn::rnd(a.tx, __fadd_rn(v, nn::ld(a.residual, a.tx, base + i)));
            nn::st(a.res_out, a.tx, base + i, v);
        }
        q = __fadd_rn(q, __fmul_rn(v, v));
    }
    const float var = __fdiv_rn(nn::block_reduce<false>(q, slots), fd);
    const float rstd = __fdiv_rn(1.0f, sqrtf(__fadd_rn(var, a.eps)));
    // the same thread wrote res_out[base + i] above, so reading it back needs no barrier
    const void * src = add ? a.res_out : a.x;
    for (int64_t i = tid; i < D; i += nt) {
        const float y = nn::rnd(a.tx, __fmul_rn(nn::ld(src, a.tx, base + i), rstd));
        nn::st(a.out, a.to, base + i, __fmul_rn(nn::ld(a.w, a.tw, i), y));
    }
}

// blocks stride over the rows (no grid-size limit on the row count)
__global__ void norm_kernel(norm_args a, int64_t rows) {
    XEMB_SHARED(float, slots, 32);
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) norm_row(a, r, slots);
}

}  // namespace

status norm(const norm_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    norm_args a{p.kind, p.x.data(), p.kind == norm_kind::add_rms ? p.residual.data() : nullptr, p.weight.data(),
                p.has_bias ? p.bias.data() : nullptr, p.out.data(), p.kind == norm_kind::add_rms ? p.residual_out.data() : nullptr,
                p.x.type, p.weight.type, p.has_bias ? p.bias.type : dtype::f32, p.out.type, p.has_bias, p.d, static_cast<float>(p.eps), false};
    const int64_t per = p.x.type == dtype::f32 ? 4 : 8;
    a.vec = p.kind != norm_kind::layer && p.out.type == p.x.type && p.d % per == 0 && nn::aligned16({a.x, a.residual, a.out, a.res_out});
    return launch("norm", norm_kernel, grid_for(p.rows, 1), dim3(nn::row_threads(p.d)), 0, stream_of(ctx), a, p.rows);
}

}  // namespace xemb::cuda
