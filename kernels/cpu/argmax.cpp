// argmax: out[o, i] = the first j maximising x[o, j, i] (x contiguous [outer, n, inner]), where a
// NaN beats every number and the first NaN wins (torch.argmax). f16/bf16 compare as f32 (exact).
// Variants: inner == 1 (argmax over a vocabulary) scans blocks of 1024 widened values with SSE2
// max / unordered compares and only looks for the index inside a block that holds a new maximum
// or a NaN; a single long row is split across the threads and the partial results merged in
// index order. inner > 1: one strided scalar scan per output element.
#include <emmintrin.h>

#include <cmath>
#include <mutex>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

// Whether v at a later index replaces the current best b.
inline bool beats(float v, float b) { return (v != v && b == b) || v > b; }

struct best_t {
    float v = -INFINITY;
    int64_t i = -1;  // -1: nothing seen yet
    bool nan = false;
};

// a and b cover disjoint index ranges: the better one under argmax's order.
inline best_t merge(const best_t & a, const best_t & b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    if (a.nan || b.nan) return a.nan && (!b.nan || a.i < b.i) ? a : b;
    if (a.v != b.v) return a.v > b.v ? a : b;
    return a.i < b.i ? a : b;
}

template <class T>
best_t scan_row(const T * row, int64_t j0, int64_t j1) {
    constexpr int64_t block = 1024;
    alignas(16) float buf[block];
    best_t best;
    for (int64_t c0 = j0; c0 < j1; c0 += block) {
        const int64_t len = j1 - c0 < block ? j1 - c0 : block;
        for (int64_t k = 0; k < len; ++k) buf[k] = to_f32(row[c0 + k]);
        __m128 mx = _mm_set1_ps(-INFINITY), un = _mm_setzero_ps();
        int64_t k = 0;
        for (; k + 4 <= len; k += 4) {
            const __m128 v = _mm_load_ps(buf + k);
            un = _mm_or_ps(un, _mm_cmpunord_ps(v, v));
            mx = _mm_max_ps(mx, v);
        }
        alignas(16) float lanes[4];
        _mm_store_ps(lanes, mx);
        float m = lanes[0];
        for (int l = 1; l < 4; ++l) m = lanes[l] > m ? lanes[l] : m;
        bool nan = _mm_movemask_ps(un) != 0;
        for (; k < len; ++k) {
            nan = nan || buf[k] != buf[k];
            m = buf[k] > m ? buf[k] : m;
        }
        if (nan) {
            for (int64_t q = 0; q < len; ++q)
                if (buf[q] != buf[q]) return merge(best, best_t{buf[q], c0 + q, true});
        }
        if (best.i < 0 || m > best.v) {
            for (int64_t q = 0; q < len; ++q)
                if (buf[q] == m) {
                    best = best_t{m, c0 + q, false};
                    break;
                }
        }
    }
    return best;
}

}  // namespace

status argmax(const argmax_params & p, const exec_ctx & ctx) {
    const int64_t n = p.n, inner = p.inner, outputs = p.outer * inner;
    int64_t * out = p.out.ptr<int64_t>();
    with_dtype(p.x.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>) {
            const T * x = p.x.ptr<T>();
            if (inner == 1 && outputs < ctx.pool->size() && n >= 65536) {
                for (int64_t r = 0; r < outputs; ++r) {
                    std::mutex mu;
                    best_t best;
                    ctx.pool->parallel_for(n, 16384, [&](int64_t b, int64_t e) {
                        const best_t part = scan_row(x + r * n, b, e);
                        std::lock_guard<std::mutex> lk(mu);
                        best = merge(best, part);
                    });
                    out[r] = best.i;
                }
            } else if (inner == 1) {
                ctx.pool->parallel_for(outputs, row_grain(n), [&](int64_t r0, int64_t r1) {
                    for (int64_t r = r0; r < r1; ++r) out[r] = scan_row(x + r * n, 0, n).i;
                });
            } else {
                ctx.pool->parallel_for(outputs, row_grain(n), [&](int64_t r0, int64_t r1) {
                    for (int64_t r = r0; r < r1; ++r) {
                        const T * col = x + (r / inner) * n * inner + r % inner;
                        float best = to_f32(col[0]);
                        int64_t at = 0;
                        for (int64_t j = 1; j < n && best == best; ++j) {
                            const float v = to_f32(col[j * inner]);
                            if (beats(v, best)) {
                                best = v;
                                at = j;
                            }
                        }
                        out[r] = at;
                    }
                });
            }
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
