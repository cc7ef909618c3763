// Decode GEMV for linear with few rows: out[m, n] = sum_k x[m, k] w[n, k] + bias[n] for M <= 8,
// x [M, K] and w [N, K] both f16 or both bf16, f32 accumulation, one rounding to T.
// One warp per output column n streams row n of w exactly once (the whole of w is read once, at
// memory bandwidth: the tensor-core tile would waste 15/16 of its rows here), multiplies it with
// all M rows of x (small, cache resident) and reduces each of the M sums across the warp with
// xor shuffles. Variants (template Vec):
//   Vec = true   16-byte loads of 8 elements; needs K % 8 == 0 and 16-byte aligned x and w.
//   Vec = false  one element per lane and step, any K and alignment.
// Reference: the fp64 oracle in test/ops/linear-tc.test.ts.
#pragma once
#include "common.cuh"
#include "gemm-common.cuh"

namespace xemb::cuda::gemm {

constexpr int gemv_max_m = 8, gemv_warps = 8;

struct alignas(16) u32x4 {
    uint32_t v[4];
};

template <class T, bool Vec>
__global__ void __launch_bounds__(gemv_warps * 32) linear_gemv(const T * x, const T * w, const void * bias, int bias_type, T * out, int M, int64_t N, int64_t K) {
    const unsigned lane = prim::lane_id();
    const int64_t n = static_cast<int64_t>(blockIdx.x) * gemv_warps + prim::warp_id();
    if (n >= N) return;  // whole warps leave together; no block barrier below
    float acc[gemv_max_m];
XEMB_UNROLL
    for (int m = 0; m < gemv_max_m; ++m) acc[m] = 0.0f;

    if constexpr (Vec) {
        const int64_t chunks = K / 8;
        const u32x4 * wr = reinterpret_cast<const u32x4 *>(w + n * K);
XEMB_UNROLL_N(4)
        for (int64_t c = lane; c < chunks; c += 32) {
            const u32x4 wv = wr[c];
            float wf[8];
XEMB_UNROLL
            for (int q = 0; q < 4; ++q) {
                wf[2 * q] = unpack_lo<T>(wv.v[q]);
                wf[2 * q + 1] = unpack_hi<T>(wv.v[q]);
            }
XEMB_UNROLL
            for (int m = 0; m < gemv_max_m; ++m) {
                if (m >= M) break;
                const u32x4 xv = reinterpret_cast<const u32x4 *>(x + m * K)[c];
                float s = acc[m];
XEMB_UNROLL
                for (int q = 0; q < 4; ++q) {
                    s = fmaf(unpack_lo<T>(xv.v[q]), wf[2 * q], s);
                    s = fmaf(unpack_hi<T>(xv.v[q]), wf[2 * q + 1], s);
                }
                acc[m] = s;
            }
        }
    } else {
        for (int64_t k = lane; k < K; k += 32) {
            const float wf = to_f32(w[n * K + k]);
XEMB_UNROLL
            for (int m = 0; m < gemv_max_m; ++m) {
                if (m >= M) break;
                acc[m] = fmaf(to_f32(x[m * K + k]), wf, acc[m]);
            }
        }
    }

    const float b = load_bias(bias, bias_type, n);
XEMB_UNROLL
    for (int m = 0; m < gemv_max_m; ++m) {
        if (m >= M) break;
        float s = acc[m];
XEMB_UNROLL
        for (int off = 16; off > 0; off >>= 1) s += prim::shfl_xor_sync(0xffffffffu, s, off);
        if (lane == 0) out[m * N + n] = from_f32<T>(s + b);
    }
}

}  // namespace xemb::cuda::gemm
