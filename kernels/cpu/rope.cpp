// rope (apply), rope_cos_sin and vision_rope_cos_sin on the CPU.
// apply: out = cast_T(x * cos + rotate_half(x) * sin) per [D] row of x [*lead, S, H, D], rows
// split across the pool and run by the per-ISA loops of rope-impl.h (rounding points there).
// tables: cos/sin[s, j] from positions, frequencies and axis choice as in params/rope.h, the
// angle in f32 (HF), cos/sin of it in f64 rounded once.
// Reference: HF transformers apply_rotary_pos_emb / apply_multimodal_rotary_pos_emb /
// apply_rotary_pos_emb_vision, Qwen2_5_VLRotaryEmbedding, Qwen2_5_VisionRotaryEmbedding.
#include <cmath>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"
#include "rope-rows.h"
#include "vec.h"

namespace xemb::cpu {

namespace avx512 { extern const rope_rows rope_table; }
namespace avx2 { extern const rope_rows rope_table; }
namespace generic { extern const rope_rows rope_table; }

const rope_rows & rope_kernels() {
    static const rope_rows * k = [] {
        const int level = isa_level();
        return level >= 2 ? &avx512::rope_table : level == 1 ? &avx2::rope_table : &generic::rope_table;
    }();
    return *k;
}

namespace {

template <class O>
void tables(const rope_params & p, const exec_ctx & ctx) {
    const int64_t S = p.seq, D = p.dim, half = D / 2;
    const bool vision = p.kind == rope_kind::vision_table;
    // per frequency f < D/2: the positions row (axis) it reads and its inv_freq
    std::vector<int> axis(static_cast<size_t>(half));
    std::vector<float> inv(static_cast<size_t>(half));
    for (int64_t f = 0; f < half; ++f) {
        if (vision) {
            const int64_t quarter = D / 4;
            axis[f] = f < quarter ? 0 : 1;
            inv[f] = rope_inv_freq(p.theta, half, f < quarter ? f : f - quarter);
        } else {
            int a = 0;
            while (f >= p.section_end[a]) ++a;
            axis[f] = a;
            inv[f] = rope_inv_freq(p.theta, D, f);
        }
    }
    const bool i64 = p.positions.type == dtype::i64;
    ctx.pool->parallel_for(S, row_grain(D), [&](int64_t s0, int64_t s1) {
        for (int64_t s = s0; s < s1; ++s) {
            O * co = p.out.ptr<O>() + s * D;
            O * so = p.out_sin.ptr<O>() + s * D;
            for (int64_t f = 0; f < half; ++f) {
                const int64_t at = axis[f] * S + s;
                const int64_t pos = i64 ? p.positions.ptr<int64_t>()[at] : p.positions.ptr<int32_t>()[at];
                const double angle = rope_angle(pos, inv[f]);
                const O cv = from_f32<O>(static_cast<float>(std::cos(angle)));
                const O sv = from_f32<O>(static_cast<float>(std::sin(angle)));
                co[f] = co[f + half] = cv;
                so[f] = so[f + half] = sv;
            }
        }
    });
}

}  // namespace

status rope(const rope_params & p, const exec_ctx & ctx) {
    if (p.kind != rope_kind::apply) {
        if (p.seq == 0) return status::success();
        with_dtype(p.out.type, [&](auto to) {
            using O = decltype(to);
            if constexpr (is_floatish_v<O>) tables<O>(p, ctx);
        });
        return status::success();
    }
    if (p.x.numel() == 0) return status::success();
    const rope_rows & k = rope_kernels();
    ctx.pool->parallel_for(p.batch * p.seq * p.heads, row_grain(p.dim), [&](int64_t r0, int64_t r1) {
        std::vector<float> c(static_cast<size_t>(p.dim)), s(static_cast<size_t>(p.dim));
        k.apply(p, r0, r1, c.data(), s.data());
    });
    return status::success();
}

}  // namespace xemb::cpu
