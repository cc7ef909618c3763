// rope (apply), rope_cos_sin and vision_rope_cos_sin on CUDA: apply with one block per row of x
// (threads over the rotated pairs), or one thread per 16-byte vector of pairs when D/2 is a
// multiple of the vector and x is aligned; the tables with one thread per (position, frequency).
// apply: out[j] = x[j] cos[j] - x[j+D/2] sin[j], out[j+D/2] = x[j+D/2] cos[j+D/2] + x[j] sin[j+D/2]
// with every product and the sum rounded to x's dtype when cos has that dtype (HF text path),
// else f32 with one final rounding (HF vision path); _rn intrinsics stop nvcc from fusing them.
// tables: inv_freq and the f32 angle from params/rope.h (shared with the CPU), cos/sin in f64
// rounded once, so CPU and CUDA tables agree. Reference: see kernels/cpu/rope.cpp.
#include "common.cuh"
#include "nn-common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {

struct apply_args {
    const void * x;
    const void * cos;
    const void * sin;
    void * out;
    dtype tx, tc, tr;  // x, cos/sin, and the dtype intermediate results are rounded to
    int64_t seq, heads, dim;
    bool cos_batched;
};

// blocks stride over the rows of x ([rows, D]); the threads of a block over the D/2 pairs of a
// row, so consecutive lanes touch consecutive elements and the row -> table row index is
// computed once per row, not per element
__global__ void apply_kernel(apply_args a, int64_t rows) {
    const int64_t half = a.dim / 2;
    const dtype t = a.tr;
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const int64_t bs = r / a.heads;
        const int64_t trow = a.cos_batched ? bs : bs % a.seq;
        const int64_t xo = r * a.dim, to = trow * a.dim;
        for (int64_t j = threadIdx.x; j < half; j += blockDim.x) {
            const float x1 = nn::ld(a.x, a.tx, xo + j), x2 = nn::ld(a.x, a.tx, xo + j + half);
            const float c1 = nn::ld(a.cos, a.tc, to + j), c2 = nn::ld(a.cos, a.tc, to + j + half);
            const float s1 = nn::ld(a.sin, a.tc, to + j), s2 = nn::ld(a.sin, a.tc, to + j + half);
            const float lo = nn::rnd(t, __fadd_rn(nn::rnd(t, __fmul_rn(x1, c1)), nn::rnd(t, __fmul_rn(-x2, s1))));
            const float hi = nn::rnd(t, __fadd_rn(nn::rnd(t, __fmul_rn(x2, c2)), nn::rnd(t, __fmul_rn(x1, s2))));
            nn::st(a.out, a.tx, xo + j, lo);
            nn::st(a.out, a.tx, xo + j + half, hi);
        }
    }
}

// x/out in 16-byte vectors (half a multiple of the vector, aligned rows): one thread per vector
// of rotated pairs, the table elements loaded one by one (they are shared by the H heads)
__global__ void apply_vec_kernel(apply_args a, int64_t rows) {
    const int per = a.tx == dtype::f32 ? 4 : 8;
    const int64_t half = a.dim / 2, nvh = half / per;
    const dtype t = a.tr;
    const auto * xv = static_cast<const nn::vec16 *>(a.x);
    auto * ov = static_cast<nn::vec16 *>(a.out);
    grid_stride(rows * nvh, [&](int64_t i) {
        const int64_t r = i / nvh, jv = i - r * nvh;
        const int64_t bs = r / a.heads;
        const int64_t trow = a.cos_batched ? bs : bs % a.seq;
        const int64_t lo_v = (r * a.dim) / per + jv, hi_v = lo_v + nvh, to = trow * a.dim + jv * per;
        const nn::vec16 xl = xv[lo_v], xh = xv[hi_v];
        nn::vec16 ol = xl, oh = xh;
        for (int e = 0; e < per; ++e) {
            const float x1 = nn::vget(xl, a.tx, e), x2 = nn::vget(xh, a.tx, e);
            const float c1 = nn::ld(a.cos, a.tc, to + e), c2 = nn::ld(a.cos, a.tc, to + half + e);
            const float s1 = nn::ld(a.sin, a.tc, to + e), s2 = nn::ld(a.sin, a.tc, to + half + e);
            nn::vset(ol, a.tx, e, nn::rnd(t, __fadd_rn(nn::rnd(t, __fmul_rn(x1, c1)), nn::rnd(t, __fmul_rn(-x2, s1)))));
            nn::vset(oh, a.tx, e, nn::rnd(t, __fadd_rn(nn::rnd(t, __fmul_rn(x2, c2)), nn::rnd(t, __fmul_rn(x1, s2)))));
        }
        ov[lo_v] = ol;
        ov[hi_v] = oh;
    });
}

struct table_args {
    const void * pos;
    bool pos64;
    void * cos;
    void * sin;
    dtype to;
    int64_t seq, dim;
    double theta;
    bool vision;
    int64_t section_end[rope_params::max_axes];
};

__global__ void table_kernel(table_args a, int64_t n) {
    const int64_t half = a.dim / 2, quarter = a.dim / 4;
    grid_stride(n, [&](int64_t i) {
        const int64_t s = i / half, f = i - s * half;
        int axis = 0;
        float inv;
        if (a.vision) {
            axis = f < quarter ? 0 : 1;
            inv = rope_inv_freq(a.theta, half, f < quarter ? f : f - quarter);
        } else {
            while (f >= a.section_end[axis]) ++axis;
            inv = rope_inv_freq(a.theta, a.dim, f);
        }
        const int64_t at = axis * a.seq + s;
        const int64_t pos = a.pos64 ? static_cast<const int64_t *>(a.pos)[at] : static_cast<const int32_t *>(a.pos)[at];
        const double angle = rope_angle(pos, inv);
        const float c = static_cast<float>(cos(angle)), sn = static_cast<float>(sin(angle));
        const int64_t o = s * a.dim + f;
        nn::st(a.cos, a.to, o, c);
        nn::st(a.cos, a.to, o + half, c);
        nn::st(a.sin, a.to, o, sn);
        nn::st(a.sin, a.to, o + half, sn);
    });
}

}  // namespace

status rope(const rope_params & p, const exec_ctx & ctx) {
    if (p.kind == rope_kind::apply) {
        const int64_t rows = p.batch * p.seq * p.heads;
        const dtype tr = p.cos.type == p.x.type ? p.x.type : dtype::f32;
        apply_args a{p.x.data(), p.cos.data(), p.sin.data(), p.out.data(), p.x.type, p.cos.type, tr, p.seq, p.heads, p.dim, p.cos_batched};
        if (rows == 0 || p.dim == 0) return status::success();
        const int64_t per = p.x.type == dtype::f32 ? 4 : 8;
        if ((p.dim / 2) % per == 0 && nn::aligned16({p.x.data(), p.out.data()})) {
            const int64_t n = rows * (p.dim / 2 / per);
            return launch("rope", apply_vec_kernel, grid_for(n, 256), dim3(256), 0, stream_of(ctx), a, rows);
        }
        return launch("rope", apply_kernel, grid_for(rows, 1), dim3(nn::row_threads(p.dim / 2)), 0, stream_of(ctx), a, rows);
    }
    table_args a{p.positions.data(), p.positions.type == dtype::i64, p.out.data(), p.out_sin.data(), p.out.type, p.seq, p.dim, p.theta,
                 p.kind == rope_kind::vision_table, {}};
    for (int i = 0; i < rope_params::max_axes; ++i) a.section_end[i] = p.section_end[i];
    const int64_t n = p.seq * (p.dim / 2);
    return launch(p.kind == rope_kind::vision_table ? "vision_rope_cos_sin" : "rope_cos_sin", table_kernel, grid_for(n, 256), dim3(256), 0,
                  stream_of(ctx), a, n);
}

}  // namespace xemb::cuda
