// softmax over the last dim on the CPU: rows split across the pool, each chunk run by the
// per-ISA row loops of softmax-impl.h (math, special rows and reference there).
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "softmax-rows.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace avx512 { extern const softmax_rows softmax_table; }
namespace avx2 { extern const softmax_rows softmax_table; }
namespace generic { extern const softmax_rows softmax_table; }

const softmax_rows & softmax_kernels() {
    static const softmax_rows * k = [] {
        const int level = isa_level();
        return level >= 2 ? &avx512::softmax_table : level == 1 ? &avx2::softmax_table : &generic::softmax_table;
    }();
    return *k;
}

status softmax(const softmax_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    const softmax_rows & k = softmax_kernels();
    ctx.pool->parallel_for(p.rows, row_grain(p.d), [&](int64_t r0, int64_t r1) {
        std::vector<float> v(static_cast<size_t>(p.d));
        k.rows(p, r0, r1, v.data());
    });
    return status::success();
}

}  // namespace xemb::cpu
