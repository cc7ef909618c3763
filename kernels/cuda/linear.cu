// linear: out[m, n] = sum_k x[m, k] w[n, k] + bias[n] (torch.nn.functional.linear), x [M, K],
// w [N, K], bias [N], f32 accumulation, one rounding to x's dtype. What runs:
//   x, w both f16 or both bf16 (bias any float dtype):
//     cuBLASLt (gemm-cublaslt.cu) when XEMB_GEMM=cublaslt, or XEMB_GEMM=auto (default) and M > 8,
//       provided the library is present and has an algorithm (XEMB_GEMM=cublaslt without
//       either: an error at run time) and the problem suits it (bias dtype = x dtype, K > 0);
//     otherwise M <= 8: warp-per-column GEMV (gemm-gemv.cuh), 16-byte loads when K % 8 == 0 and
//       x, w are 16-byte aligned, else element loads;
//     otherwise the tensor-core GEMM (gemm-tc.cuh), cp.async pipeline under the same condition,
//       else its bounds-checked element-load fallback.
//   x, w both f32: cuBLASLt (f32 compute, no TF32) unless XEMB_GEMM=own, else the naive kernel.
//   mixed dtypes (f32 vision weights with bf16 activations, ...): the naive kernel below, which
//     multiplies the exact stored values in f32 (converting w to x's dtype in a prologue would
//     round the weights and break the op's numerics).
// cuda-emu always runs the own kernels (no cuBLASLt there).
// Reference: test/reference (fp64 oracles) via test/ops/linear.test.ts and linear-tc.test.ts.
#include "common.cuh"
#include "gemm-gemv.cuh"
#include "gemm-tc.cuh"
#include "ops.cuh"
#if !defined(XEMB_CUDA_EMU)
#include "gemm-cublaslt.h"
#endif

namespace xemb::cuda {

namespace {
// One thread per output, for the dtype mixes no tensor-core kernel takes.
template <class X, class W>
__global__ void linear_naive(const X * x, const W * w, const void * bias, int bias_type, X * out, int64_t M, int64_t N, int64_t K) {
    grid_stride(M * N, [&](int64_t i) {
        const int64_t r = i / N, n = i - r * N;
        float acc = 0.0f;
        for (int64_t k = 0; k < K; ++k) acc = fmaf(to_f32(x[r * K + k]), to_f32(w[n * K + k]), acc);
        out[i] = from_f32<X>(acc + gemm::load_bias(bias, bias_type, n));
    });
}

bool aligned16(const void * p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <class T>
status linear_own_half(const linear_params & p, const exec_ctx & ctx, const void * bias, int bias_type) {
    const T * x = p.x.ptr<T>();
    const T * w = p.w.ptr<T>();
    T * out = p.out.ptr<T>();
    const bool vec = p.k % 8 == 0 && aligned16(x) && aligned16(w);
    if (p.m <= gemm::gemv_max_m) {
        const dim3 grid(static_cast<unsigned>((p.n + gemm::gemv_warps - 1) / gemm::gemv_warps));
        const dim3 block(gemm::gemv_warps * 32);
        const int m = static_cast<int>(p.m);
        if (vec) return launch("linear_gemv", gemm::linear_gemv<T, true>, grid, block, 0, stream_of(ctx), x, w, bias, bias_type, out, m, p.n, p.k);
        return launch("linear_gemv", gemm::linear_gemv<T, false>, grid, block, 0, stream_of(ctx), x, w, bias, bias_type, out, m, p.n, p.k);
    }
    const dim3 grid(static_cast<unsigned>((p.m + gemm::tc_bm - 1) / gemm::tc_bm), static_cast<unsigned>((p.n + gemm::tc_bn - 1) / gemm::tc_bn));
    const dim3 block(gemm::tc_threads);
    if (vec) return launch("linear_tc", gemm::linear_tc<T, true>, grid, block, 0, stream_of(ctx), x, w, bias, bias_type, out, p.m, p.n, p.k);
    return launch("linear_tc", gemm::linear_tc<T, false>, grid, block, 0, stream_of(ctx), x, w, bias, bias_type, out, p.m, p.n, p.k);
}
}  // namespace

status linear(const linear_params & p, const exec_ctx & ctx) {
    if (p.m == 0 || p.n == 0) return status::success();
    const void * bias = p.has_bias ? p.bias.data() : nullptr;
    const int bias_type = p.has_bias ? static_cast<int>(p.bias.type) : -1;
    const bool same = p.x.type == p.w.type;
    const bool half = same && (p.x.type == dtype::f16 || p.x.type == dtype::bf16);

#if !defined(XEMB_CUDA_EMU)
    const gemm_mode mode = gemm_mode_from_env();
    const bool want_lt = mode == gemm_mode::cublaslt || (mode == gemm_mode::automatic && !(half && p.m <= gemm::gemv_max_m));
    if (same && want_lt) {
        bool ran = false;
        XEMB_RETURN_IF_ERROR(cublaslt_linear(p, ctx, mode == gemm_mode::cublaslt, ran));
        if (ran) return status::success();
    }
#endif

    if (half && p.x.type == dtype::bf16) return linear_own_half<bf16_t>(p, ctx, bias, bias_type);
    if (half) return linear_own_half<f16_t>(p, ctx, bias, bias_type);

    status result;
    with_dtype(p.x.type, [&](auto xt) {
        using X = decltype(xt);
        if constexpr (is_floatish_v<X>) with_dtype(p.w.type, [&](auto wt) {
            using W = decltype(wt);
            if constexpr (is_floatish_v<W>) {
                const int64_t total = p.m * p.n;
                result = launch("linear", linear_naive<X, W>, grid_for(total, 256), dim3(256), 0, stream_of(ctx), p.x.ptr<X>(), p.w.ptr<W>(), bias, bias_type,
                                p.out.ptr<X>(), p.m, p.n, p.k);
            }
        });
    });
    return result;
}

}  // namespace xemb::cuda
