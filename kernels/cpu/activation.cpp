// silu / gelu (erf, tanh) / swiglu on the CPU: contiguous elements split across the pool, each
// chunk run by the per-ISA row loops of activation-impl.h. swiglu on one [.., 2I] input walks
// its rows (gate = first half, up = second half); on two inputs it is one flat loop.
// Math and rounding points: native/params/activation.h.
#include "../../native/thread-pool.h"
#include "activation-rows.h"
#include "common.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace avx512 { extern const activation_rows activation_table; }
namespace avx2 { extern const activation_rows activation_table; }
namespace generic { extern const activation_rows activation_table; }

const activation_rows & activation_kernels() {
    static const activation_rows * k = [] {
        const int level = isa_level();
        return level >= 2 ? &avx512::activation_table : level == 1 ? &avx2::activation_table : &generic::activation_table;
    }();
    return *k;
}

status activation(const activation_params & p, const exec_ctx & ctx) {
    const activation_rows & k = activation_kernels();
    const dtype t = p.x.type;
    const size_t es = dtype_size(t);
    const char * x = static_cast<const char *>(p.x.data());
    char * out = static_cast<char *>(p.out.data());
    if (p.kind != activation_kind::swiglu) {
        const act_fn f = p.kind == activation_kind::silu ? act_fn::silu : p.kind == activation_kind::gelu ? act_fn::gelu : act_fn::gelu_tanh;
        ctx.pool->parallel_for(p.out.numel(), 16384, [&](int64_t i0, int64_t i1) { k.unary(f, t, i1 - i0, x + i0 * es, out + i0 * es); });
        return status::success();
    }
    if (p.split) {
        const char * up = static_cast<const char *>(p.up.data());
        ctx.pool->parallel_for(p.out.numel(), 16384, [&](int64_t i0, int64_t i1) { k.swiglu(t, i1 - i0, x + i0 * es, up + i0 * es, out + i0 * es); });
        return status::success();
    }
    const int64_t inner = p.inner;
    ctx.pool->parallel_for(p.rows, row_grain(inner), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const char * row = x + r * 2 * inner * es;
            k.swiglu(t, inner, row, row + inner * es, out + r * inner * es);
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
