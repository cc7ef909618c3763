// Tensor-core GEMM for linear: out[m, n] = sum_k x[m, k] w[n, k] + bias[n], x [M, K] and
// w [N, K] both f16 or both bf16 (row-major, k contiguous), f32 accumulation, one rounding to T.
// Block tile 128x128x32, 8 warps as 2 (M) x 4 (N), each warp 64x32 = 4x4 mma.sync m16n8k16.
// Operands reach shared memory through a 3-stage pipeline; fragments come out with ldmatrix.
// Variants (template Async):
//   Async = true   cp.async 16-byte copies with zero-fill for rows past M/N and k past K. Needs
//                  K % 8 == 0 and 16-byte aligned x and w (then every 8-element chunk of a row
//                  is either wholly inside or wholly outside the matrix and aligned).
//   Async = false  the fallback for any K and alignment: each element is read with a bounds check
//                  and stored to shared memory by the thread (never a read outside x or w).
// Shared layout per stage and operand: 128 rows x 32 halves = 4 chunks of 16 bytes per row; chunk
// c of row r is stored at chunk c ^ ((r >> 1) & 3), so the 8 row addresses of each ldmatrix phase
// fall into 8 different 16-byte bank groups (rows are 64 bytes: without the swizzle rows r and
// r + 2 share banks and ldmatrix would serialise 4-way).
// Fragment layouts: reference/ptx-warp-primitives.md 1.1-1.3 and 3.1; prim/ldmatrix.cuh recipes.
// Reference: the fp64 oracle in test/ops/linear-tc.test.ts; structure after the usual sm_80
// multistage GEMM (CUTLASS "multistage" mainloop), written from the PTX fragment tables.
#pragma once
#include "common.cuh"
#include "gemm-common.cuh"
#include "prim/cp-async.cuh"
#include "prim/ldmatrix.cuh"
#include "prim/mma.cuh"

namespace xemb::cuda::gemm {

constexpr int tc_bm = 128, tc_bn = 128, tc_bk = 32, tc_stages = 3, tc_threads = 256;
constexpr int tc_tile_elems = tc_bm * tc_bk;                 // one operand, one stage (halves)
constexpr int tc_stage_elems = 2 * tc_tile_elems;            // x tile then w tile
constexpr int tc_smem_elems = tc_stages * tc_stage_elems;    // 24576 halves = 48 KiB
static_assert(tc_smem_elems * 2 <= 49152, "static shared memory is limited to 48 KiB");
static_assert(tc_bm == tc_bn, "x and w tiles share one loader");

// Element offset of (row, k) inside one 128x32 operand tile, swizzled by 16-byte chunk.
XEMB_HD int tc_offset(int row, int k) {
    const int chunk = (k >> 3) ^ ((row >> 1) & 3);
    return row * tc_bk + chunk * 8 + (k & 7);
}

// Loads rows [r0, r0 + 128) x k [k0, k0 + 32) of a [rows, K] matrix into one operand tile.
// 512 chunks of 8 halves, two per thread.
template <bool Async, class T, class S>
__device__ __forceinline__ void tc_load_tile(S & smem, int tile_base, const T * g, int64_t rows, int64_t K, int64_t r0, int64_t k0) {
    const unsigned tid = prim::linear_tid();
XEMB_UNROLL
    for (int i = 0; i < 2; ++i) {
        const int id = static_cast<int>(tid) + i * tc_threads;
        const int row = id >> 2, kc = (id & 3) * 8;
        const int64_t gr = r0 + row, gk = k0 + kc;
        const int dst = tile_base + tc_offset(row, kc);
        if constexpr (Async) {
            const bool in = gr < rows && gk < K;  // K % 8 == 0: a chunk is all in or all out
            // an out-of-range chunk reads nothing (src_bytes 0) from a valid, aligned address
            prim::cp_async_cg_zfill<16>(prim::raw(smem) + dst, in ? g + gr * K + gk : g, in ? 16u : 0u);
        } else {
XEMB_UNROLL
            for (int e = 0; e < 8; ++e) {
                uint16_t v = 0;
                if (gr < rows && gk + e < K) v = g[gr * K + gk + e].bits;
                smem[dst + e] = v;
            }
        }
    }
}

template <class T, bool Async>
__global__ void __launch_bounds__(tc_threads) linear_tc(const T * x, const T * w, const void * bias, int bias_type, T * out, int64_t M, int64_t N, int64_t K) {
    XEMB_SHARED_ALIGNED(128, uint16_t, smem, tc_smem_elems);
    const unsigned lane = prim::lane_id(), warp = prim::warp_id();
    const int wm = static_cast<int>(warp >> 2) * 64, wn = static_cast<int>(warp & 3) * 32;
    // M tiles on grid.x (up to 2^31 - 1 blocks), N tiles on grid.y (checked by supports())
    const int64_t m0 = static_cast<int64_t>(blockIdx.x) * tc_bm, n0 = static_cast<int64_t>(blockIdx.y) * tc_bn;
    const int64_t ktiles = (K + tc_bk - 1) / tc_bk;

    float acc[4][4][4];
XEMB_UNROLL
    for (int i = 0; i < 4; ++i)
XEMB_UNROLL
        for (int j = 0; j < 4; ++j)
XEMB_UNROLL
            for (int c = 0; c < 4; ++c) acc[i][j][c] = 0.0f;

    auto load_stage = [&](int64_t kt) {
        if (kt < ktiles) {
            const int base = static_cast<int>(kt % tc_stages) * tc_stage_elems;
            tc_load_tile<Async>(smem, base, x, M, K, m0, kt * tc_bk);
            tc_load_tile<Async>(smem, base + tc_tile_elems, w, N, K, n0, kt * tc_bk);
        }
        // one group per stage even when empty, so wait<stages - 2> always means "tile kt landed"
        if constexpr (Async) prim::cp_async_commit();
    };

XEMB_UNROLL
    for (int s = 0; s < tc_stages - 1; ++s) load_stage(s);

    for (int64_t kt = 0; kt < ktiles; ++kt) {
        if constexpr (Async) prim::cp_async_wait<tc_stages - 2>();
        // tile kt is visible to all threads, and every warp has finished computing on tile kt - 1,
        // whose stage the next load overwrites
        prim::syncthreads();
        load_stage(kt + tc_stages - 1);

        const int xs = static_cast<int>(kt % tc_stages) * tc_stage_elems, ws = xs + tc_tile_elems;
XEMB_UNROLL
        for (int kk = 0; kk < tc_bk; kk += 16) {
            uint32_t a[4][4], b[4][2];
XEMB_UNROLL
            for (int i = 0; i < 4; ++i) {
                // A 16x16 at rows wm + 16i: lane L gives row L & 15, k half 8 * (L >> 4)
                const int row = wm + i * 16 + static_cast<int>(lane & 15);
                ldsm_x4(smem, xs + tc_offset(row, kk + 8 * static_cast<int>(lane >> 4)), a[i]);
            }
XEMB_UNROLL
            for (int j = 0; j < 4; j += 2) {
                // two n8 tiles of w rows (= B columns): matrices (j, k lo), (j, k hi), (j+1, k lo), (j+1, k hi)
                const int row = wn + j * 8 + static_cast<int>(lane & 7) + 8 * static_cast<int>(lane >> 4);
                uint32_t r[4];
                ldsm_x4(smem, ws + tc_offset(row, kk + 8 * static_cast<int>((lane >> 3) & 1)), r);
                b[j][0] = r[0];
                b[j][1] = r[1];
                b[j + 1][0] = r[2];
                b[j + 1][1] = r[3];
            }
XEMB_UNROLL
            for (int i = 0; i < 4; ++i)
XEMB_UNROLL
                for (int j = 0; j < 4; ++j) mma_16816<T>(acc[i][j], a[i], b[j]);
        }
    }
    if constexpr (Async) prim::cp_async_wait_all();

    // epilogue: c0, c1 at (g, 2t), (g, 2t + 1); c2, c3 at row g + 8
    const int g = static_cast<int>(lane >> 2), t = static_cast<int>(lane & 3);
XEMB_UNROLL
    for (int j = 0; j < 4; ++j) {
        const int64_t col = n0 + wn + j * 8 + 2 * t;
        const float b0 = col < N ? load_bias(bias, bias_type, col) : 0.0f;
        const float b1 = col + 1 < N ? load_bias(bias, bias_type, col + 1) : 0.0f;
XEMB_UNROLL
        for (int i = 0; i < 4; ++i) {
XEMB_UNROLL
            for (int h = 0; h < 2; ++h) {
                const int64_t row = m0 + wm + i * 16 + g + 8 * h;
                if (row >= M) continue;
                T * o = out + row * N + col;
                const T lo = from_f32<T>(acc[i][j][2 * h] + b0), hi = from_f32<T>(acc[i][j][2 * h + 1] + b1);
                if (col + 1 < N && (reinterpret_cast<uintptr_t>(o) & 3u) == 0) {
                    *reinterpret_cast<uint32_t *>(o) = prim::pack_u16x2(lo.bits, hi.bits);  // one 4-byte store
                } else {
                    if (col < N) o[0] = lo;
                    if (col + 1 < N) o[1] = hi;
                }
            }
        }
    }
}

}  // namespace xemb::cuda::gemm
