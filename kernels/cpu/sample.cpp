// sample: one token per row of logits [B, V] (params/sample.h has the filters, native/sampling.h
// the arithmetic shared with the CUDA kernel, so both draw the same token).
// Per row: keys of z = logit / T (order-preserving u32), the max; top-k and top-p thresholds by a
// 4-pass radix search over the keys (counts for top-k, fixed-point mass q for top-p: integer sums,
// so the chunking across threads cannot change a bit); then Gumbel-max over the survivors.
// One row at a time with the threads splitting the vocabulary, or rows in parallel when there
// are many short rows. This file is compiled with -ffp-contract=off (no FMA on either side).
#include <mutex>
#include <vector>

#include "../../native/sampling.h"
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

struct hist {
    uint32_t count[256];
    uint64_t mass[256];
};

template <class T>
struct row_sampler {
    const sample_params & p;
    std::vector<uint32_t> keys;
    std::vector<uint64_t> q;

    // par(n, fn): fn(begin, end) over [0, n) in chunks, possibly on several threads
    template <class Par>
    status run(const T * logits, int64_t row, int64_t & token, Par && par) {
        const int64_t V = p.v;
        keys.resize(static_cast<size_t>(V));
        const float temp = p.greedy() ? 1.0f : p.temperature;
        std::mutex mu;
        uint32_t max_key = 0;
        int64_t max_at = 0;
        par(V, [&](int64_t b, int64_t e) {
            uint32_t mk = 0;
            int64_t at = b;
            for (int64_t i = b; i < e; ++i) {
                const uint32_t k = sample_key(sample_z(to_f32(logits[i]), temp));
                keys[static_cast<size_t>(i)] = k;
                if (k > mk) { mk = k; at = i; }
            }
            std::lock_guard<std::mutex> lk(mu);
            if (mk > max_key || (mk == max_key && at < max_at)) { max_key = mk; max_at = at; }
        });
        if (max_key <= sample_key_neg_inf) return sample_empty_row(row);
        if (p.greedy()) { token = max_at; return status::success(); }
        const float m = sample_key_value(max_key);

        uint32_t lo = 0;
        if (p.top_k_on()) {
            sample_cut cut;
            cut.k = static_cast<uint64_t>(p.top_k);
            lo = radix(lo, nullptr, cut, par);
        }
        if (p.top_p_on()) {
            q.resize(static_cast<size_t>(V));
            uint64_t z_total = 0;
            par(V, [&](int64_t b, int64_t e) {
                uint64_t sum = 0;
                for (int64_t i = b; i < e; ++i) {
                    const uint32_t k = keys[static_cast<size_t>(i)];
                    const uint64_t w = k >= lo ? sample_q(sample_s(sample_key_value(k), m)) : 0;
                    q[static_cast<size_t>(i)] = w;
                    sum += w;
                }
                std::lock_guard<std::mutex> lk(mu);
                z_total += sum;
            });
            sample_cut cut;
            cut.by_mass = true;
            cut.pz = rng_mul(p.top_p, static_cast<double>(z_total));
            lo = radix(lo, q.data(), cut, par);
        }

        double best = -INFINITY;
        int64_t best_at = -1;
        const uint64_t base = static_cast<uint64_t>(row) * static_cast<uint64_t>(V);
        par(V, [&](int64_t b, int64_t e) {
            double bs = -INFINITY;
            int64_t ba = -1;
            for (int64_t i = b; i < e; ++i) {
                const uint32_t k = keys[static_cast<size_t>(i)];
                if (k < lo) continue;
                const double s = sample_s(sample_key_value(k), m);
                if (!(s >= p.log_min_p) || s == -INFINITY) continue;
                const uint64_t u52 = sample_u52(p.seed, p.offset, base + static_cast<uint64_t>(i));
                if (ba >= 0 && sample_score_bound(s, u52) < bs) continue;  // cannot win: skip the two logs
                const double sc = sample_score_u52(s, u52);
                if (ba < 0 || sample_better(sc, i, bs, ba)) { bs = sc; ba = i; }
            }
            if (ba < 0) return;
            std::lock_guard<std::mutex> lk(mu);
            if (best_at < 0 || sample_better(bs, ba, best, best_at)) { best = bs; best_at = ba; }
        });
        token = best_at;  // the max (s = 0) always survives every filter
        return status::success();
    }

    // The smallest key kept by `cut` among keys >= lo (weights q, or 1 each when q is null).
    template <class Par>
    uint32_t radix(uint32_t lo, const uint64_t * w, const sample_cut & cut, Par && par) {
        const int64_t V = p.v;
        uint32_t prefix = 0;
        uint64_t above = 0;
        std::mutex mu;
        for (int shift = 24; shift >= 0; shift -= 8) {
            hist h{};
            par(V, [&](int64_t b, int64_t e) {
                hist local{};
                for (int64_t i = b; i < e; ++i) {
                    const uint32_t k = keys[static_cast<size_t>(i)];
                    if (k < lo || (static_cast<uint64_t>(k ^ prefix) >> (shift + 8)) != 0) continue;
                    const uint32_t bin = (k >> shift) & 255u;
                    local.count[bin] += 1;
                    local.mass[bin] += w ? w[i] : 1;
                }
                std::lock_guard<std::mutex> lk(mu);
                for (int j = 0; j < 256; ++j) {
                    h.count[j] += local.count[j];
                    h.mass[j] += local.mass[j];
                }
            });
            uint64_t cum = above, chosen_above = above;
            int chosen = -1;
            for (int bin = 255; bin >= 0; --bin) {
                if (h.count[bin] == 0) continue;
                if (!cut.below(cum)) break;
                chosen = bin;
                chosen_above = cum;
                cum += h.mass[bin];
            }
            if (chosen < 0) return lo;  // unreachable: the highest key is always kept
            prefix |= static_cast<uint32_t>(chosen) << shift;
            above = chosen_above;
        }
        return prefix;
    }
};

}  // namespace

status sample(const sample_params & p, const exec_ctx & ctx) {
    int64_t * out = p.out.ptr<int64_t>();
    status result;
    with_dtype(p.logits.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>) {
            const T * logits = p.logits.ptr<T>();
            const int threads = ctx.pool->size();
            if (p.v < 32768 && p.b >= 2 * threads) {
                std::mutex mu;
                int64_t bad_row = -1;  // the first failing row, whatever the thread order
                ctx.pool->parallel_for(p.b, 1, [&](int64_t r0, int64_t r1) {
                    row_sampler<T> rs{p, {}, {}};
                    auto serial = [](int64_t n, auto && fn) { fn(int64_t(0), n); };
                    for (int64_t r = r0; r < r1; ++r) {
                        if (rs.run(logits + r * p.v, r, out[r], serial).ok()) continue;
                        std::lock_guard<std::mutex> lk(mu);
                        if (bad_row < 0 || r < bad_row) bad_row = r;
                    }
                });
                if (bad_row >= 0) result = sample_empty_row(bad_row);
            } else {
                row_sampler<T> rs{p, {}, {}};
                auto split = [&](int64_t n, auto && fn) {
                    ctx.pool->parallel_for(n, 8192, [&](int64_t b, int64_t e) { fn(b, e); });
                };
                for (int64_t r = 0; r < p.b && result.ok(); ++r) result = rs.run(logits + r * p.v, r, out[r], split);
            }
        }
    });
    return result;
}

}  // namespace xemb::cpu
