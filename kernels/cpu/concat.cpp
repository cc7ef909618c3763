// concat: out [outer, sum_k s_k, inner] <- tensors[k] [outer, s_k, inner] at column offset
// sum_{j<k} s_j (torch.cat). Each (input, outer) block is one contiguous run of s_k * inner
// elements; long runs are split so that a dim-0 concat of two big tensors uses every thread.
#include <cstring>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

status concat(const concat_params & p, const exec_ctx & ctx) {
    const size_t es = dtype_size(p.out.type);
    const int64_t total = p.out.shape[p.dim];
    const int64_t out_row = total * p.inner * static_cast<int64_t>(es);  // bytes per outer index
    constexpr int64_t piece = 1 << 16;                                    // bytes per parallel task
    struct run {
        const char * src;
        char * dst;
        int64_t bytes;
    };
    std::vector<run> runs;
    int64_t col = 0;
    for (const tensor & t : p.xs) {
        const int64_t bytes = t.shape[p.dim] * p.inner * static_cast<int64_t>(es);
        if (bytes > 0) {
            for (int64_t o = 0; o < p.outer; ++o) {
                const char * src = static_cast<const char *>(t.data()) + o * bytes;
                char * dst = static_cast<char *>(p.out.data()) + o * out_row + col;
                for (int64_t b = 0; b < bytes; b += piece) runs.push_back({src + b, dst + b, bytes - b < piece ? bytes - b : piece});
            }
        }
        col += bytes;
    }
    ctx.pool->parallel_for(static_cast<int64_t>(runs.size()), 4, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::memcpy(runs[r].dst, runs[r].src, static_cast<size_t>(runs[r].bytes));
    });
    return status::success();
}

}  // namespace xemb::cpu
