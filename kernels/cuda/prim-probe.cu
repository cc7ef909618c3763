// Primitive agreement probes: small kernels that push random data through each primitive of
// prim/ and write what every lane got. The GPU kit (bench/gpu/verify.ts) runs each probe on the
// real GPU and on cuda-emu with the same input and requires identical output, so the emulator's
// per-lane semantics are checked against hardware, not only against our reading of the PTX ISA.
//   in:  n_in u32 random words (n_in = 4096); out: probe_out_words u32 (zero-filled before)
//   probes: 0 shuffles (idx/up/down/xor x widths 32/16/8/4), 1 votes, 2 integer atomics,
//           3 mma m16n8k16 f16 and 4 bf16 on small integers (exact in any summation order),
//           5 ldmatrix x4 and x4.trans, 6 cp.async (.ca zero-fill, .cg, groups, visibility)
#include "common.cuh"
#include "prim/cp-async.cuh"
#include "prim/ldmatrix.cuh"
#include "prim/mma.cuh"
#include "prim-probe.h"

namespace xemb::cuda {

namespace {

constexpr unsigned full = 0xffffffffu;

// out[(combo * blocks * 128) + global thread] for 16 (op, width) combos
__global__ void probe_shuffle(const uint32_t * in, uint32_t * out) {
    const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned total = gridDim.x * blockDim.x;
    const uint32_t v = in[tid];
    const uint32_t r = in[(tid + 1024) % 4096];
    const int widths[4] = {32, 16, 8, 4};
    for (int w = 0; w < 4; ++w) {
        const int width = widths[w];
        out[(w * 4 + 0) * total + tid] = prim::shfl_sync(full, v, static_cast<int>(r % 64), width);
        out[(w * 4 + 1) * total + tid] = prim::shfl_up_sync(full, v, r % 9, width);
        out[(w * 4 + 2) * total + tid] = prim::shfl_down_sync(full, v, (r >> 8) % 9, width);
        out[(w * 4 + 3) * total + tid] = prim::shfl_xor_sync(full, v, static_cast<int>((r >> 16) % 32), width);
    }
}

__global__ void probe_vote(const uint32_t * in, uint32_t * out) {
    const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned total = gridDim.x * blockDim.x;
    const int pred = static_cast<int>(in[tid] & 1u);
    out[tid] = prim::ballot_sync(full, pred);
    out[total + tid] = static_cast<uint32_t>(prim::any_sync(full, pred));
    out[2 * total + tid] = static_cast<uint32_t>(prim::all_sync(full, pred | static_cast<int>(in[tid] & 2u)));
    // even and odd lanes vote separately: masks that name exactly the lanes taking part
    const unsigned half_mask = (threadIdx.x & 1u) ? 0xaaaaaaaau : 0x55555555u;
    out[3 * total + tid] = prim::ballot_sync(half_mask, pred);
}

// order-independent results: per block a sum, max and min of all lanes' words
__global__ void probe_atomic(const uint32_t * in, uint32_t * out) {
    const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
    const uint32_t v = in[tid];
    uint32_t * cell = out + blockIdx.x * 4;
    prim::atomic_add(cell + 0, v);
    prim::atomic_max(cell + 1, v);
    prim::atomic_min(reinterpret_cast<int32_t *>(cell + 2), static_cast<int32_t>(v));  // signed: the zero start stays informative
    prim::atomic_add(cell + 3, 1u);
}

// One warp per block computes D = A * B + C for a 16x16 (A), 16x8 (B), 16x8 (C) problem whose
// elements are small integers read from `in`, so every summation order gives the same f32 result.
template <bool BF16>
__global__ void probe_mma(const uint32_t * in, uint32_t * out) {
    const unsigned lane = threadIdx.x, warp = blockIdx.x;
    const uint32_t * src = in + warp * 64;
    auto small = [&](unsigned i) { return static_cast<float>(static_cast<int>(src[i % 64] >> (i / 64 % 4 * 8) & 15u) - 8); };
    uint32_t a[4], b[2];
    float c[4], d[4];
    for (int r = 0; r < 4; ++r) {
        float lo = small(lane * 8 + r * 2), hi = small(lane * 8 + r * 2 + 1);
        a[r] = BF16 ? prim::pack_bf16x2_rn(lo, hi) : prim::pack_f16x2_rn(lo, hi);
        c[r] = small(lane * 4 + r + 300);
    }
    for (int r = 0; r < 2; ++r) {
        float lo = small(lane * 4 + r * 2 + 600), hi = small(lane * 4 + r * 2 + 601);
        b[r] = BF16 ? prim::pack_bf16x2_rn(lo, hi) : prim::pack_f16x2_rn(lo, hi);
    }
    if (BF16) prim::mma_m16n8k16_bf16(d, a, b, c);
    else prim::mma_m16n8k16_f16(d, a, b, c);
    for (int r = 0; r < 4; ++r) out[(warp * 32 + lane) * 4 + r] = f32_bits(d[r]);
}

// A 32x8 tile of 16-bit words in shared memory (four 8x8 matrices stacked), read by ldmatrix.x4
// with and without .trans: lane L supplies the address of row L.
__global__ void probe_ldmatrix(const uint32_t * in, uint32_t * out) {
    XEMB_SHARED_ALIGNED(16, uint16_t, tile, 32, 8);
    const unsigned lane = threadIdx.x, warp = blockIdx.x;
    for (int j = 0; j < 8; ++j) tile[lane][j] = static_cast<uint16_t>(in[warp * 256 + lane * 8 + j]);
    prim::syncthreads();
    uint32_t r[4], t[4];
    uint16_t * row = prim::raw(tile) + lane * 8;
    prim::ldmatrix_x4(r, row);
    prim::ldmatrix_x4_trans(t, row);
    for (int k = 0; k < 4; ++k) {
        out[(warp * 32 + lane) * 8 + k] = r[k];
        out[(warp * 32 + lane) * 8 + 4 + k] = t[k];
    }
}

// Each of 128 threads cp.asyncs 16 bytes (.ca with a zero-fill source size of 0..16, or .cg
// whole) into shared memory in two commit groups, waits for the older group first, then after a
// barrier every thread reads a neighbour's 16 bytes: zero-fill, group order and visibility.
__global__ void probe_cp_async(const uint32_t * in, uint32_t * out) {
    XEMB_SHARED_ALIGNED(16, uint32_t, buf, 128, 4);
    const unsigned t = threadIdx.x, blk = blockIdx.x;
    const uint32_t * src = in + (blk * 128 + t) % 1024 * 4;
    const uint32_t src_bytes = in[blk * 128 + t] % 17;
    if (t & 1) prim::cp_async_cg<16>(prim::raw(buf) + t * 4, src);
    else prim::cp_async_ca_zfill<16>(prim::raw(buf) + t * 4, src, src_bytes);
    prim::cp_async_commit();
    prim::cp_async_commit();  // an empty group: waiting for "all but the newest" covers the copy
    prim::cp_async_wait<1>();
    prim::syncthreads();
    const unsigned n = (t + 37) % 128;
    for (int k = 0; k < 4; ++k) {
        uint32_t v = buf[n][k];
        out[(blk * 128 + t) * 4 + k] = v;
    }
}

}  // namespace

status prim_probe(int which, const uint32_t * in, uint32_t * out, const exec_ctx & ctx) {
    cudaStream_t s = stream_of(ctx);
    switch (which) {
        case 0: return launch("probe_shuffle", probe_shuffle, dim3(4), dim3(128), 0, s, in, out);
        case 1: return launch("probe_vote", probe_vote, dim3(4), dim3(128), 0, s, in, out);
        case 2: return launch("probe_atomic", probe_atomic, dim3(4), dim3(128), 0, s, in, out);
        case 3: return launch("probe_mma_f16", probe_mma<false>, dim3(16), dim3(32), 0, s, in, out);
        case 4: return launch("probe_mma_bf16", probe_mma<true>, dim3(16), dim3(32), 0, s, in, out);
        case 5: return launch("probe_ldmatrix", probe_ldmatrix, dim3(16), dim3(32), 0, s, in, out);
        case 6: return launch("probe_cp_async", probe_cp_async, dim3(4), dim3(128), 0, s, in, out);
        default: return invalid_arg("primProbe: expected a probe in [0, " + std::to_string(probe_count) + "), received " + std::to_string(which));
    }
}

}  // namespace xemb::cuda
