// attention prefill kernel (FlashAttention-2 forward, arXiv 2307.08691 Algorithm 1, with the
// warp partitioning of Dao-AILab/flash-attention csrc/flash_attn/src/flash_fwd_kernel.h):
//   out[i] = sum_j softmax_j(s_ij) v_j,  s_ij = scale q_i.k_j (or softcap tanh(scale q_i.k_j / softcap)),
// masked per params/attention.h. One block = 64 query rows of one head, 4 warps, each warp owns
// 16 rows: Q fragments stay in registers (ldmatrix.x4), S = Q K^T with mma.sync m16n8k16
// (K tile via ldmatrix.x2), online softmax in base 2 on the f32 accumulators (row max/sum over
// the 4 lanes of a row with shfl_xor), P re-packed in registers as the A operand of O += P V
// (V tile via ldmatrix.x2.trans). K/V tiles of BN keys are double buffered with cp.async (the next
// tile loads while the current one is used); Q first goes through the same shared buffer.
// Causal/window masks skip whole key tiles outside [lo(first row), hi(last row)).
// Shapes: rows of q/out are [*, H, D] (row stride H*D), of k/v [*, Hkv, D]; D padded to DP (a
// multiple of 16) in shared memory with zeros (D = 72). Shared memory <= 45 KB (static limit).
#pragma once
#include "common.cuh"
#include "prim/cp-async.cuh"
#include "prim/ldmatrix.cuh"
#include "prim/mma.cuh"

namespace xemb::cuda {

struct attn_args {
    const uint16_t * q;
    const uint16_t * k;
    const uint16_t * v;
    uint16_t * out;
    float * lse;            // nullptr unless requested
    const int32_t * cu_q;   // varlen boundaries (device values, clamped), nullptr when dense
    const int32_t * cu_k;
    const int32_t * seqlens;  // KV cache: cached tokens per sequence (Sk = seqlens[b] + s_new), else nullptr
    const int32_t * pages;    // paged KV cache: block table [B, max_pages], else nullptr
    int64_t q_rs, kv_rs;    // row strides in elements: H*D and Hkv*D
    int64_t kv_bs;          // dense / contiguous cache: elements between batches of k/v
    int64_t page_rs;        // paged: elements per page (P * Hkv * D)
    int page_size, max_pages, s_new;
    int h, group;           // query heads, H / Hkv (the rows of one KV head's group share a block)
    int batch;
    int sq, sk;             // dense: per-batch lengths; varlen: packed totals Tq, Tk
    float scale_log2;       // scale * log2(e) (no softcap)
    float scale_cap;        // scale / softcap
    float cap_log2;         // softcap * log2(e); 0 = softcap off
    int left, right;        // window bounds, -1 = unbounded (right = 0 under causal)
    // split-KV (flash-decoding, KV cache path only): block x = row tile * splits + split; each
    // split writes its normalised partial output and lse for row ((b Sq + pos) H + head) to
    // ws_o [splits, rows, D] / ws_lse [splits, rows]; attention_combine_kernel merges them.
    int splits;
    float * ws_o;
    float * ws_lse;
};

namespace attn {

constexpr int BM = 64;        // query rows per block
constexpr int WARPS = 4;
constexpr int THREADS = WARPS * 32;

// Rows of a block are (position, head of the KV head's group) pairs packed as R = pos * group +
// gi, so all query heads sharing a KV head read each K/V tile once (GQA/MQA; decode with Sq = 1
// puts the group's heads on the MMA rows instead of padding).
struct segment {
    int q_begin, q_len, k_len;  // positions of q, keys
    int64_t k_off;              // element offset of key 0 (contiguous keys)
    const int32_t * pages;      // page ids of this sequence, or nullptr
    int r0;                     // first packed row of this block
};

// Clamped running maximum of cu (params/attention.h): c[b] = clamp(max(cu[b], c[b-1]), 0, total).
__device__ __forceinline__ int clamp_cu(int x, int prev, int total) {
    x = x < prev ? prev : x;
    return x < 0 ? 0 : (x > total ? total : x);
}

// Finds the (segment, tile) of block x in varlen mode; false for the extra blocks, which then
// know the covered row range [c0, cb) and the tile count so they can clear the rows outside it.
__device__ __forceinline__ bool find_segment(const attn_args & a, int x, segment & s, int & c0, int & cb, int & ntiles) {
    int pq = clamp_cu(a.cu_q[0], 0, a.sq), pk = clamp_cu(a.cu_k[0], 0, a.sk);
    c0 = pq;
    int acc = 0;
    bool found = false;
    for (int b = 0; b < a.batch; ++b) {
        const int nq = clamp_cu(a.cu_q[b + 1], pq, a.sq), nk = clamp_cu(a.cu_k[b + 1], pk, a.sk);
        const int tiles = ((nq - pq) * a.group + BM - 1) / BM;
        if (!found && x < acc + tiles) {
            s = {pq, nq - pq, nk - pk, static_cast<int64_t>(pk) * a.kv_rs, nullptr, (x - acc) * BM};
            found = true;
        }
        acc += tiles;
        pq = nq;
        pk = nk;
    }
    cb = pq;
    ntiles = acc;
    return found;
}

// Copies `rows` rows into smem rows of SROW halves: row r from src(r) (nullptr: zeros), columns
// >= D zeroed (cp.async zfill: no plain shared stores, so the race checker sees one writer).
template <int D, int DP, int SROW, class Src>
__device__ __forceinline__ void load_rows(uint16_t * smem, const uint16_t * any, int rows, Src src) {
    constexpr int CH = DP / 8;  // 16-byte chunks per row
    for (int idx = threadIdx.x; idx < rows * CH; idx += THREADS) {
        const int r = idx / CH, c = idx - r * CH;
        const uint16_t * row = src(r);
        const bool ok = row != nullptr && c * 8 < D;
        prim::cp_async_cg_zfill<16>(smem + r * SROW + c * 8, ok ? row + c * 8 : any, ok ? 16u : 0u);
    }
}

template <bool BF16>
__device__ __forceinline__ void mma(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    if constexpr (BF16) prim::mma_m16n8k16_bf16(d, a, b, d);
    else prim::mma_m16n8k16_f16(d, a, b, d);
}

template <bool BF16>
__device__ __forceinline__ uint32_t pack(float lo, float hi) {
    if constexpr (BF16) return prim::pack_bf16x2_rn(lo, hi);
    else return prim::pack_f16x2_rn(lo, hi);
}

}  // namespace attn

template <bool BF16, int D, int BN>
__global__ void __launch_bounds__(attn::THREADS) attention_prefill_kernel(attn_args a) {
    using namespace attn;
    constexpr int DP = (D + 15) / 16 * 16;
    constexpr int SROW = DP + 8;  // +16 bytes per row: ldmatrix rows hit different banks
    constexpr int ROWS = BM > 4 * BN ? BM : 4 * BN;
    constexpr int KC = DP / 16;   // k-chunks of QK^T
    constexpr int NT = BN / 8;    // key n-tiles of S
    constexpr int ND = D / 8;     // output n-tiles
    XEMB_SHARED_ALIGNED(16, uint16_t, smem, ROWS * SROW);
    uint16_t * sm = prim::raw(smem);

    const int hk = blockIdx.z, G = a.group;  // grid.z runs over KV heads
    segment sg;
    if (a.cu_q) {
        int c0 = 0, cb = 0, ntiles = 0;
        if (!find_segment(a, static_cast<int>(blockIdx.x), sg, c0, cb, ntiles)) {
            // extra block (grid = ceil(Tq G / BM) + B > tiles): clear the rows of q no segment
            // covers, which only bad device boundaries leave
            const int extra = static_cast<int>(gridDim.x) - ntiles, e = static_cast<int>(blockIdx.x) - ntiles;
            const int64_t uncovered = c0 + (a.sq - cb), per_row = static_cast<int64_t>(G) * D;
            for (int64_t i = e * static_cast<int64_t>(THREADS) + threadIdx.x; i < uncovered * per_row; i += static_cast<int64_t>(extra) * THREADS) {
                const int ur = static_cast<int>(i / per_row), rest = static_cast<int>(i - ur * per_row);
                const int row = ur < c0 ? ur : cb + (ur - c0), head = hk * G + rest / D, col = rest % D;
                a.out[row * a.q_rs + head * D + col] = 0;
                if (col == 0 && a.lse) a.lse[static_cast<int64_t>(head) * a.sq + row] = -INFINITY;
            }
            return;
        }
    } else {
        const int b = blockIdx.y;
        sg.q_begin = b * a.sq;
        sg.q_len = a.sq;
        sg.k_len = a.seqlens ? a.seqlens[b] + a.s_new : a.sk;
        sg.k_off = a.pages ? 0 : b * a.kv_bs;
        sg.pages = a.pages ? a.pages + static_cast<int64_t>(b) * a.max_pages : nullptr;
        sg.r0 = static_cast<int>(blockIdx.x) / a.splits * BM;
    }

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
    const int total_rows = sg.q_len * G;
    const int nrows = total_rows - sg.r0 < BM ? total_rows - sg.r0 : BM;
    // element offset of block row r (packed) in q/out, and of key j (head hk) in k/v
    auto qoff = [&](int r) -> int64_t {
        const int R = sg.r0 + r;
        return static_cast<int64_t>(sg.q_begin + R / G) * a.q_rs + static_cast<int64_t>(hk * G + R % G) * D;
    };
    auto koff = [&](int j) -> int64_t {
        if (sg.pages) return static_cast<int64_t>(sg.pages[j / a.page_size]) * a.page_rs + static_cast<int64_t>(j % a.page_size) * a.kv_rs + hk * D;
        return sg.k_off + static_cast<int64_t>(j) * a.kv_rs + hk * D;
    };

    // Q -> shared -> registers (A fragments of the warp's 16 rows, all k-chunks).
    load_rows<D, DP, SROW>(sm, a.q, BM, [&](int r) -> const uint16_t * { return r < nrows ? a.q + qoff(r) : nullptr; });
    prim::cp_async_commit();
    prim::cp_async_wait<0>();
    prim::syncthreads();
    uint32_t qf[KC][4];
    for (int kc = 0; kc < KC; ++kc) prim::ldmatrix_x4(qf[kc], sm + (warp * 16 + (lane & 15)) * SROW + kc * 16 + 8 * (lane >> 4));
    prim::syncthreads();

    // Visible key range of position i of the segment: [lo(i), hi(i)), both non-decreasing in i.
    const int shift = sg.k_len - sg.q_len;
    auto lo_of = [&](int i) {
        if (a.left < 0) return 0;
        const int64_t x = static_cast<int64_t>(i) + shift - a.left;
        return x < 0 ? 0 : (x > sg.k_len ? sg.k_len : static_cast<int>(x));
    };
    auto hi_of = [&](int i) {
        if (a.right < 0) return sg.k_len;
        const int64_t x = static_cast<int64_t>(i) + shift + a.right + 1;
        return x < 0 ? 0 : (x > sg.k_len ? sg.k_len : static_cast<int>(x));
    };
    const int jlo = lo_of(sg.r0 / G), jhi = hi_of((sg.r0 + (nrows > 0 ? nrows : 1) - 1) / G);
    const int ntiles = jhi > jlo ? (jhi - jlo + BN - 1) / BN : 0;
    // this block's share of the key tiles (all of them unless split-KV)
    int t_begin = 0, t_end = ntiles;
    const int split = static_cast<int>(blockIdx.x) % a.splits;
    if (a.splits > 1) {
        const int chunk = (ntiles + a.splits - 1) / a.splits;
        t_begin = split * chunk < ntiles ? split * chunk : ntiles;
        t_end = t_begin + chunk < ntiles ? t_begin + chunk : ntiles;
    }

    // rows of this lane: r = 0 -> g, r = 1 -> g + 8 (inside the warp's 16)
    int rlo[2], rhi[2];
    for (int r = 0; r < 2; ++r) {
        const int pos = (sg.r0 + warp * 16 + g + 8 * r) / G;
        rlo[r] = lo_of(pos);
        rhi[r] = hi_of(pos);
    }
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
    float o[ND][4];
    for (int n = 0; n < ND; ++n)
        for (int i = 0; i < 4; ++i) o[n][i] = 0.0f;

    auto stage_k = [&](int s) { return sm + (2 * s) * BN * SROW; };
    auto stage_v = [&](int s) { return sm + (2 * s + 1) * BN * SROW; };
    auto prefetch = [&](int tile) {
        const int j0 = jlo + tile * BN, n = jhi - j0 < BN ? jhi - j0 : BN;
        load_rows<D, DP, SROW>(stage_k(tile & 1), a.k, BN, [&](int r) -> const uint16_t * { return r < n ? a.k + koff(j0 + r) : nullptr; });
        load_rows<D, DP, SROW>(stage_v(tile & 1), a.v, BN, [&](int r) -> const uint16_t * { return r < n ? a.v + koff(j0 + r) : nullptr; });
        prim::cp_async_commit();
    };
    if (t_begin < t_end) prefetch(t_begin);

    for (int tile = t_begin; tile < t_end; ++tile) {
        if (tile + 1 < t_end) {
            prefetch(tile + 1);
            prim::cp_async_wait<1>();
        } else {
            prim::cp_async_wait<0>();
        }
        prim::syncthreads();
        const uint16_t * ks = stage_k(tile & 1);
        const uint16_t * vs = stage_v(tile & 1);
        const int j0 = jlo + tile * BN;

        float s[NT][4];
        for (int nt = 0; nt < NT; ++nt) {
            for (int i = 0; i < 4; ++i) s[nt][i] = 0.0f;
            for (int kc = 0; kc < KC; ++kc) {
                uint32_t b[2];
                prim::ldmatrix_x2(b, ks + (nt * 8 + (lane & 7)) * SROW + kc * 16 + 8 * ((lane >> 3) & 1));
                mma<BF16>(s[nt], qf[kc], b);
            }
        }

        float mx[2] = {-INFINITY, -INFINITY};
        for (int nt = 0; nt < NT; ++nt)
            for (int i = 0; i < 4; ++i) {
                const int r = i >> 1, j = j0 + nt * 8 + 2 * t + (i & 1);
                float x = a.cap_log2 > 0 ? a.cap_log2 * tanhf(s[nt][i] * a.scale_cap) : s[nt][i] * a.scale_log2;
                if (j < rlo[r] || j >= rhi[r]) x = -INFINITY;
                s[nt][i] = x;
                mx[r] = x > mx[r] ? x : mx[r];
            }
        float alpha[2], mu[2];
        for (int r = 0; r < 2; ++r) {
            mx[r] = fmaxf(mx[r], prim::shfl_xor_sync(0xffffffffu, mx[r], 1));
            mx[r] = fmaxf(mx[r], prim::shfl_xor_sync(0xffffffffu, mx[r], 2));
            const float mn = fmaxf(m[r], mx[r]);
            mu[r] = mn == -INFINITY ? 0.0f : mn;  // a row with nothing visible yet: keep exp2 finite
            alpha[r] = exp2f(m[r] - mu[r]);
            m[r] = mn;
            l[r] *= alpha[r];
        }
        for (int n = 0; n < ND; ++n)
            for (int i = 0; i < 4; ++i) o[n][i] *= alpha[i >> 1];
        for (int nt = 0; nt < NT; ++nt)
            for (int i = 0; i < 4; ++i) {
                const float p = exp2f(s[nt][i] - mu[i >> 1]);
                s[nt][i] = p;
                l[i >> 1] += p;
            }

        // O += P V: the S accumulators of key n-tiles 2c, 2c+1 are exactly the A fragment of
        // k-chunk c (rows g / g+8, keys 2t.. and 8+2t..).
        for (int c = 0; c < BN / 16; ++c) {
            uint32_t pa[4];
            pa[0] = pack<BF16>(s[2 * c][0], s[2 * c][1]);
            pa[1] = pack<BF16>(s[2 * c][2], s[2 * c][3]);
            pa[2] = pack<BF16>(s[2 * c + 1][0], s[2 * c + 1][1]);
            pa[3] = pack<BF16>(s[2 * c + 1][2], s[2 * c + 1][3]);
            for (int n = 0; n < ND; ++n) {
                uint32_t b[2];
                prim::ldmatrix_x2_trans(b, vs + (c * 16 + (lane & 15)) * SROW + n * 8);
                mma<BF16>(o[n], pa, b);
            }
        }
        prim::syncthreads();  // the next prefetch overwrites this stage
    }

    for (int r = 0; r < 2; ++r) {
        l[r] += prim::shfl_xor_sync(0xffffffffu, l[r], 1);
        l[r] += prim::shfl_xor_sync(0xffffffffu, l[r], 2);
    }
    for (int r = 0; r < 2; ++r) {
        const int row = warp * 16 + g + 8 * r;
        if (row >= nrows) continue;
        const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
        if (a.splits > 1) {
            const int R = sg.r0 + row, head = hk * G + R % G;
            const int64_t gr = (static_cast<int64_t>(blockIdx.y) * a.sq + R / G) * a.h + head;
            const int64_t rows_all = static_cast<int64_t>(a.batch) * a.sq * a.h;
            float * wo = a.ws_o + (split * rows_all + gr) * D;
            for (int n = 0; n < ND; ++n) {
                wo[n * 8 + 2 * t] = o[n][2 * r] * inv;
                wo[n * 8 + 2 * t + 1] = o[n][2 * r + 1] * inv;
            }
            if (t == 0) a.ws_lse[split * rows_all + gr] = l[r] > 0.0f ? (m[r] + log2f(l[r])) * 0.6931471805599453f : -INFINITY;
            continue;
        }
        uint16_t * orow = a.out + qoff(row);
        for (int n = 0; n < ND; ++n) {
            const uint32_t w = pack<BF16>(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
            *reinterpret_cast<uint32_t *>(orow + n * 8 + 2 * t) = w;
        }
        if (a.lse && t == 0) {
            const float v = l[r] > 0.0f ? (m[r] + log2f(l[r])) * 0.6931471805599453f : -INFINITY;
            const int R = sg.r0 + row, pos = R / G, head = hk * G + R % G;
            if (a.cu_q) a.lse[static_cast<int64_t>(head) * a.sq + sg.q_begin + pos] = v;
            else a.lse[(static_cast<int64_t>(blockIdx.y) * a.h + head) * a.sq + pos] = v;
        }
    }
}

// Merges split-KV partials (flash-decoding): for row r, lse = log sum_s exp(lse_s) and
// out = sum_s exp(lse_s - lse) o_s; rows no split saw a key give 0 / -inf. out [B, Sq, H, D]
// (row r = (b Sq + pos) H + head is also its row in out), lse [B, H, Sq].
template <bool BF16>
__global__ void attention_combine_kernel(attn_args a, int d) {
    const int64_t rows = static_cast<int64_t>(a.batch) * a.sq * a.h;
    grid_stride(rows * d, [&](int64_t i) {
        const int64_t r = i / d;
        const int c = static_cast<int>(i - r * d);
        float mx = -INFINITY;
        for (int s = 0; s < a.splits; ++s) mx = fmaxf(mx, a.ws_lse[s * rows + r]);
        float num = 0.0f, den = 0.0f;
        if (mx != -INFINITY)
            for (int s = 0; s < a.splits; ++s) {
                const float w = expf(a.ws_lse[s * rows + r] - mx);
                den += w;
                num += w * a.ws_o[(s * rows + r) * d + c];
            }
        const float v = den > 0.0f ? num / den : 0.0f;
        a.out[r * d + c] = BF16 ? from_f32<bf16_t>(v).bits : from_f32<f16_t>(v).bits;
        if (c == 0 && a.lse) {
            const int64_t head = r % a.h, bp = r / a.h, b = bp / a.sq, pos = bp % a.sq;
            a.lse[(b * a.h + head) * a.sq + pos] = den > 0.0f ? mx + logf(den) : -INFINITY;
        }
    });
}

}  // namespace xemb::cuda
