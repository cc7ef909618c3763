// silu / gelu (erf, tanh) / swiglu on CUDA, one element per thread (grid-stride), f32 inside and
// one rounding per PyTorch op: silu = x / (1 + exp(-x)); gelu = 0.5 x erfc(-x / sqrt 2);
// gelu tanh = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3) (= 0.5 x (1 + tanh u));
// swiglu = cast_T(cast_T(silu(gate)) * up), gate/up split or halves of one [.., 2I] row.
// Aligned inputs stream through 16-byte vectors (8 halves / 4 floats per thread and access).
// Same formulas as kernels/cpu/nn-math.h; expf/erfcf are CUDA's (within 2 ulp), so CPU and
// CUDA agree to an ulp of f32 before the final rounding.
#include "common.cuh"
#include "nn-common.cuh"
#include "ops.cuh"

namespace xemb::cuda {

namespace {

__device__ __forceinline__ float silu(float x) { return __fdiv_rn(x, __fadd_rn(1.0f, expf(-x))); }

__device__ __forceinline__ float act(activation_kind k, float x) {
    if (k == activation_kind::silu) return silu(x);
    if (k == activation_kind::gelu) return __fmul_rn(__fmul_rn(0.5f, x), erfcf(__fmul_rn(-x, 0.70710678118654752f)));
    const float u = __fmul_rn(0.7978845608028654f, __fadd_rn(x, __fmul_rn(0.044715f, __fmul_rn(__fmul_rn(x, x), x))));
    return __fdiv_rn(x, __fadd_rn(1.0f, expf(__fmul_rn(-2.0f, u))));
}

// nv full 16-byte vectors first (when `vec`), then the remaining elements one by one
__global__ void unary_kernel(activation_kind k, const void * x, void * out, dtype t, int64_t n, bool vec) {
    const int per = t == dtype::f32 ? 4 : 8;
    const int64_t nv = vec ? n / per : 0;
    grid_stride(nv, [&](int64_t i) {
        nn::vec16 v = static_cast<const nn::vec16 *>(x)[i];
        for (int e = 0; e < per; ++e) nn::vset(v, t, e, act(k, nn::vget(v, t, e)));
        static_cast<nn::vec16 *>(out)[i] = v;
    });
    grid_stride(n - nv * per, [&](int64_t i) { nn::st(out, t, nv * per + i, act(k, nn::ld(x, t, nv * per + i))); });
}

// split and `vec`: 16-byte vectors of gate, up and out, then the tail one element at a time
__global__ void swiglu_vec_kernel(const void * gate, const void * up, void * out, dtype t, int64_t n) {
    const int per = t == dtype::f32 ? 4 : 8;
    const int64_t nv = n / per;
    grid_stride(nv, [&](int64_t i) {
        const nn::vec16 g = static_cast<const nn::vec16 *>(gate)[i];
        const nn::vec16 u = static_cast<const nn::vec16 *>(up)[i];
        nn::vec16 o = g;
        for (int e = 0; e < per; ++e) nn::vset(o, t, e, __fmul_rn(nn::rnd(t, silu(nn::vget(g, t, e))), nn::vget(u, t, e)));
        static_cast<nn::vec16 *>(out)[i] = o;
    });
    grid_stride(n - nv * per, [&](int64_t j) {
        const int64_t i = nv * per + j;
        nn::st(out, t, i, __fmul_rn(nn::rnd(t, silu(nn::ld(gate, t, i))), nn::ld(up, t, i)));
    });
}

// split: gate[i], up[i]; otherwise row r = i / inner of x [rows, 2 * inner]
__global__ void swiglu_kernel(const void * gate, const void * up, bool split, void * out, dtype t, int64_t n, int64_t inner) {
    grid_stride(n, [&](int64_t i) {
        int64_t gi = i, ui = i;
        const void * ub = up;
        if (!split) {
            const int64_t r = i / inner, j = i - r * inner;
            gi = r * 2 * inner + j;
            ui = gi + inner;
            ub = gate;
        }
        const float s = nn::rnd(t, silu(nn::ld(gate, t, gi)));
        nn::st(out, t, i, __fmul_rn(s, nn::ld(ub, t, ui)));
    });
}

}  // namespace

status activation(const activation_params & p, const exec_ctx & ctx) {
    const int64_t n = p.out.numel();
    const int64_t per = p.x.type == dtype::f32 ? 4 : 8;
    if (p.kind == activation_kind::swiglu && p.split && nn::aligned16({p.x.data(), p.up.data(), p.out.data()}))
        return launch("swiglu", swiglu_vec_kernel, grid_for((n + per - 1) / per, 256), dim3(256), 0, stream_of(ctx), p.x.data(), p.up.data(), p.out.data(), p.x.type, n);
    if (p.kind == activation_kind::swiglu)
        return launch("swiglu", swiglu_kernel, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.x.data(), p.split ? p.up.data() : nullptr, p.split,
                      p.out.data(), p.x.type, n, p.inner);
    const bool vec = nn::aligned16({p.x.data(), p.out.data()});
    return launch(p.kind == activation_kind::silu ? "silu" : "gelu", unary_kernel, grid_for(vec ? (n + per - 1) / per : n, 256), dim3(256), 0, stream_of(ctx),
                  p.kind, p.x.data(), p.out.data(), p.x.type, n, vec);
}

}  // namespace xemb::cuda
