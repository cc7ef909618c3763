// sample: one token per row of logits [B, V] with the arithmetic of native/sampling.h, so the
// token equals the CPU kernel's bit for bit (params/sample.h has the filters).
// One block per row (32..1024 threads, a power of two by V). Passes over the row, logits
// re-read each time (they stay in L2): max key; top-k threshold = 4 radix passes over 8-bit
// digits of the keys with shared-memory count histograms; top-p = the total fixed-point mass q,
// then 4 radix passes with count + mass histograms (u64 atomics: integer sums, so the thread
// order cannot change the result; lanes of a warp that share a bin add once, warp-reduced); then the Gumbel-max draw over the survivors, reduced by
// (score, lower index); elements whose score bound (sampling.h) is below the thread's best so far
// skip the two logarithms. A row with nothing to draw reports itself through an int64 slot that the
// host reads back after the launch (one stream sync), as the index checks do.
#include "../../native/sampling.h"
#include "ops.cuh"
#include "rows.cuh"

namespace xemb::cuda {

namespace {

__device__ __forceinline__ uint32_t popcount32(uint32_t m) {
    m = m - ((m >> 1) & 0x55555555u);
    m = (m & 0x33333333u) + ((m >> 2) & 0x33333333u);
    return (((m + (m >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

struct sample_args {
    float temperature;  // 1 for greedy (z = the logit itself)
    bool greedy;
    bool top_k_on;
    bool top_p_on;
    uint64_t top_k;
    double top_p;
    double log_min_p;
    uint64_t seed;
    uint64_t offset;
};

template <class T>
__global__ void sample_kernel(const T * logits, int64_t * out, int64_t V, sample_args a, int64_t * bad) {
    XEMB_SHARED(uint32_t, hcount, 256);
    XEMB_SHARED(uint64_t, hmass, 256);
    XEMB_SHARED(double, rv, 32);
    XEMB_SHARED(int64_t, ri, 32);
    XEMB_SHARED(uint64_t, rsum, 32);
    XEMB_SHARED(uint64_t, pick, 2);
    const int64_t row = blockIdx.x;
    const T * l = logits + row * V;
    const unsigned tid = threadIdx.x, nthreads = blockDim.x, lane = prim::lane_id(), warp = prim::warp_id(), nwarps = nthreads / 32;

    auto key_at = [&](int64_t i) -> uint32_t { return sample_key(sample_z(to_f32(l[i]), a.temperature)); };

    // block-wide best (v, i) under sample_better: larger v, then lower i
    auto block_best = [&](double & v, int64_t & i) {
        warp_best(v, i, [](auto x, int64_t xi, auto y, int64_t yi) { return sample_better(x, xi, y, yi); });
        if (lane == 0) {
            rv[warp] = v;
            ri[warp] = i;
        }
        prim::syncthreads();
        if (warp == 0) {
            if (lane < nwarps) {
                v = rv[lane];
                i = ri[lane];
            } else {
                v = -INFINITY;
                i = INT64_MAX;
            }
            warp_best(v, i, [](auto x, int64_t xi, auto y, int64_t yi) { return sample_better(x, xi, y, yi); });
            if (lane == 0) {
                rv[0] = v;
                ri[0] = i;
            }
        }
        prim::syncthreads();
        v = rv[0];
        i = ri[0];
        prim::syncthreads();
    };

    auto block_sum = [&](uint64_t s) -> uint64_t {
        for (int off = 16; off > 0; off >>= 1) s += prim::shfl_down_sync(0xffffffffu, s, off);
        if (lane == 0) rsum[warp] = s;
        prim::syncthreads();
        if (tid == 0) {
            uint64_t t = 0;
            for (unsigned w = 0; w < nwarps; ++w) {
                const uint64_t part = rsum[w];
                t += part;
            }
            rsum[0] = t;
        }
        prim::syncthreads();
        const uint64_t total = rsum[0];
        prim::syncthreads();
        return total;
    };

    // max key, first index holding it
    double bv = -1.0;
    int64_t bi = INT64_MAX;
    for (int64_t i = tid; i < V; i += nthreads) {
        const double k = static_cast<double>(key_at(i));
        if (k > bv) {
            bv = k;
            bi = i;
        }
    }
    block_best(bv, bi);
    const uint32_t max_key = static_cast<uint32_t>(bv);
    if (max_key <= sample_key_neg_inf) {
        if (tid == 0) {
            prim::atomic_min(bad, row);
            out[row] = 0;
        }
        return;
    }
    if (a.greedy) {
        if (tid == 0) out[row] = bi;
        return;
    }
    const float m = sample_key_value(max_key);

    // the smallest key kept by `cut` among keys >= lo (weights q when by_mass, else 1)
    auto radix = [&](uint32_t lo, const sample_cut & cut) -> uint32_t {
        uint32_t prefix = 0;
        uint64_t above = 0;
        for (int shift = 24; shift >= 0; shift -= 8) {
            for (unsigned b = tid; b < 256; b += nthreads) {
                hcount[b] = 0u;
                hmass[b] = uint64_t(0);
            }
            prim::syncthreads();
            // whole warps walk the row together so that lanes sharing the first active lane's bin
            // (most of them: in the top digits nearly all keys share a few bins) add once per warp
            for (int64_t base = 0; base < V; base += nthreads) {
                const int64_t i = base + tid;
                bool in = false;
                uint32_t bin = 0;
                uint64_t w = 0;
                if (i < V) {
                    const uint32_t k = key_at(i);
                    in = k >= lo && (static_cast<uint64_t>(k ^ prefix) >> (shift + 8)) == 0;
                    if (in) {
                        bin = (k >> shift) & 255u;
                        w = cut.by_mass ? sample_q(sample_s(sample_key_value(k), m)) : uint64_t(1);
                    }
                }
                const unsigned active = prim::ballot_sync(0xffffffffu, in);
                if (active == 0) continue;
                int leader = 0;
                while (!((active >> leader) & 1u)) ++leader;
                const uint32_t lead_bin = prim::shfl_sync(0xffffffffu, bin, leader);
                const bool same = in && bin == lead_bin;
                const unsigned same_mask = prim::ballot_sync(0xffffffffu, same);
                uint64_t ws = same ? w : uint64_t(0);
                for (int off = 16; off > 0; off >>= 1) ws += prim::shfl_xor_sync(0xffffffffu, ws, off);
                if (static_cast<int>(lane) == leader) {
                    prim::atomic_add(prim::raw(hcount) + lead_bin, popcount32(same_mask));
                    if (ws) prim::atomic_add(prim::raw(hmass) + lead_bin, ws);
                }
                if (in && !same) {
                    prim::atomic_add(prim::raw(hcount) + bin, 1u);
                    if (w) prim::atomic_add(prim::raw(hmass) + bin, w);
                }
            }
            prim::syncthreads();
            if (tid == 0) {
                uint64_t cum = above, chosen_above = above;
                int chosen = -1;
                for (int b = 255; b >= 0; --b) {
                    const uint32_t c = hcount[b];
                    if (c == 0) continue;
                    if (!cut.below(cum)) break;
                    chosen = b;
                    chosen_above = cum;
                    const uint64_t mb = hmass[b];
                    cum += mb;
                }
                pick[0] = static_cast<uint64_t>(chosen < 0 ? 0 : chosen);
                pick[1] = chosen_above;
            }
            prim::syncthreads();
            const uint64_t chosen = pick[0];
            const uint64_t chosen_above = pick[1];
            prim::syncthreads();
            prefix |= static_cast<uint32_t>(chosen) << shift;
            above = chosen_above;
        }
        return prefix;
    };

    uint32_t lo = 0;
    if (a.top_k_on) {
        sample_cut cut;
        cut.k = a.top_k;
        lo = radix(lo, cut);
    }
    if (a.top_p_on) {
        uint64_t part = 0;
        for (int64_t i = tid; i < V; i += nthreads) {
            const uint32_t k = key_at(i);
            if (k >= lo) part += sample_q(sample_s(sample_key_value(k), m));
        }
        const uint64_t z_total = block_sum(part);
        sample_cut cut;
        cut.by_mass = true;
        cut.pz = rng_mul(a.top_p, static_cast<double>(z_total));
        lo = radix(lo, cut);
    }

    const uint64_t base = static_cast<uint64_t>(row) * static_cast<uint64_t>(V);
    bv = -INFINITY;
    bi = INT64_MAX;
    for (int64_t i = tid; i < V; i += nthreads) {
        const uint32_t k = key_at(i);
        if (k < lo) continue;
        const double s = sample_s(sample_key_value(k), m);
        if (!(s >= a.log_min_p) || s == -INFINITY) continue;
        const uint64_t u52 = sample_u52(a.seed, a.offset, base + static_cast<uint64_t>(i));
        if (bi != INT64_MAX && sample_score_bound(s, u52) < bv) continue;  // cannot win: skip the two logs
        const double sc = sample_score_u52(s, u52);
        if (sample_better(sc, i, bv, bi)) {
            bv = sc;
            bi = i;
        }
    }
    block_best(bv, bi);
    if (tid == 0) out[row] = bi;
}

}  // namespace

status sample(const sample_params & p, const exec_ctx & ctx) {
    if (p.b == 0) return status::success();
    bad_slot bad;
    XEMB_RETURN_IF_ERROR(make_bad_slot(ctx, bad));
    sample_args a{};
    a.greedy = p.greedy();
    a.temperature = a.greedy ? 1.0f : p.temperature;
    a.top_k_on = p.top_k_on();
    a.top_p_on = p.top_p_on();
    a.top_k = static_cast<uint64_t>(p.top_k);
    a.top_p = p.top_p;
    a.log_min_p = p.log_min_p;
    a.seed = p.seed;
    a.offset = p.offset;
    unsigned threads = 32;
    while (threads < 1024 && static_cast<int64_t>(threads) < p.v) threads *= 2;
    status st;
    with_dtype(p.logits.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>)
            st = launch("sample", sample_kernel<T>, dim3(static_cast<unsigned>(p.b)), dim3(threads), 0, stream_of(ctx), p.logits.ptr<T>(), p.out.ptr<int64_t>(), p.v, a,
                        bad.ptr);
    });
    XEMB_RETURN_IF_ERROR(st);
    int64_t first = INT64_MAX;
    XEMB_RETURN_IF_ERROR(ctx.dev->copy_to_host(&first, bad.ptr, sizeof first));
    return first == INT64_MAX ? status::success() : sample_empty_row(first);
}

}  // namespace xemb::cuda
