// rms_norm / layer_norm / add_rms_norm on the CPU: rows of the last dim split across the pool,
// each chunk run by the per-ISA row loops of norm-impl.h (math and rounding points there and in
// native/params/norm.h). Weight and bias are widened to f32 once per call.
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "norm-rows.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace avx512 { extern const norm_rows norm_table; }
namespace avx2 { extern const norm_rows norm_table; }
namespace generic { extern const norm_rows norm_table; }

const norm_rows & norm_kernels() {
    static const norm_rows * k = [] {
        const int level = isa_level();
        return level >= 2 ? &avx512::norm_table : level == 1 ? &avx2::norm_table : &generic::norm_table;
    }();
    return *k;
}

namespace {
std::vector<float> widened(const tensor & t) {
    std::vector<float> v(static_cast<size_t>(t.numel()));
    with_dtype(t.type, [&](auto tag) {
        using W = decltype(tag);
        if constexpr (is_floatish_v<W>)
            for (int64_t i = 0; i < t.numel(); ++i) v[i] = to_f32(t.ptr<W>()[i]);
    });
    return v;
}
}  // namespace

status norm(const norm_params & p, const exec_ctx & ctx) {
    if (p.rows == 0) return status::success();
    const norm_rows & k = norm_kernels();
    const std::vector<float> w = widened(p.weight);
    const std::vector<float> b = p.has_bias ? widened(p.bias) : std::vector<float>();
    ctx.pool->parallel_for(p.rows, row_grain(p.d), [&](int64_t r0, int64_t r1) {
        std::vector<float> v(static_cast<size_t>(p.d)), y(static_cast<size_t>(p.d));
        k.rows(p, r0, r1, w.data(), p.has_bias ? b.data() : nullptr, v.data(), y.data());
    });
    return status::success();
}

}  // namespace xemb::cpu
