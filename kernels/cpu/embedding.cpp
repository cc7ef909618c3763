// embedding: out[t, :] = table[ids[t], :] for t < numel(ids); table [V, D] any strides, rows
// copied as raw words (memcpy when a row is contiguous). Every id is checked before any write.
// Reference: torch.nn.functional.embedding.
#include <cstring>

#include "../../native/thread-pool.h"
#include "common.h"
#include "index-check.h"
#include "ops.h"

namespace xemb::cpu {

status embedding(const embedding_params & p, const exec_ctx & ctx) {
    XEMB_RETURN_IF_ERROR(check_indices("embedding", "ids", p.ids, p.v));
    const int64_t rows = p.ids.numel(), d = p.d;
    const int64_t rs = p.table.strides[0], cs = p.table.strides[1];
    with_word(p.table.type, [&](auto tag) {
        using W = decltype(tag);
        const W * table = p.table.ptr<W>();
        W * out = p.out.ptr<W>();
        ctx.pool->parallel_for(rows, row_grain(d), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const W * src = table + index_at(p.ids, r) * rs;
                W * dst = out + r * d;
                if (cs == 1) std::memcpy(dst, src, static_cast<size_t>(d) * sizeof(W));
                else for (int64_t j = 0; j < d; ++j) dst[j] = src[j * cs];
            }
        });
    });
    return status::success();
}

}  // namespace xemb::cpu
