// argmax: out[o, i] = the first j maximising x[o, j, i] (x contiguous [outer, n, inner]), where a
// NaN beats every number and the first NaN wins (torch.argmax). f16/bf16 compare as f32 (exact).
#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {
// Whether v at a later index replaces the current best b.
inline bool beats(float v, float b) { return (v != v && b == b) || v > b; }
}  // namespace

status argmax(const argmax_params & p, const exec_ctx & ctx) {
    const int64_t n = p.n, inner = p.inner;
    int64_t * out = p.out.ptr<int64_t>();
    with_dtype(p.x.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_floatish_v<T>) {
            const T * x = p.x.ptr<T>();
            ctx.pool->parallel_for(p.outer * inner, row_grain(n), [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; ++r) {
                    const int64_t o = r / inner, i = r % inner;
                    const T * row = x + o * n * inner + i;
                    float best = to_f32(row[0]);
                    int64_t at = 0;
                    for (int64_t j = 1; j < n && best == best; ++j) {
                        const float v = to_f32(row[j * inner]);
                        if (beats(v, best)) {
                            best = v;
                            at = j;
                        }
                    }
                    out[r] = at;
                }
            });
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
