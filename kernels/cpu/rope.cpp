// rope (apply), rope_cos_sin and vision_rope_cos_sin on the CPU.
// apply: out = cast_T(x * cos + rotate_half(x) * sin) per [D] row of x [*lead, S, H, D], the
// (s) or (b, s) row of the table shared by the H heads; compute type C = T when cos has x's
// dtype (every op rounded to T, HF's bf16 text path) else f32 (HF's vision path). This file is
// built with -ffp-contract=off, so no product and sum fuse into an FMA (torch rounds both).
// tables: cos/sin[s, j] from positions, frequencies and axis choice as in params/rope.h, the
// angle in f32 (HF), cos/sin of it in f64 rounded once.
// Reference: HF transformers apply_rotary_pos_emb / apply_multimodal_rotary_pos_emb /
// apply_rotary_pos_emb_vision, Qwen2_5_VLRotaryEmbedding, Qwen2_5_VisionRotaryEmbedding.
#include <cmath>
#include <vector>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

template <class T, class U, bool RoundEach>
void apply_rows(const rope_params & p, const exec_ctx & ctx) {
    const int64_t S = p.seq, H = p.heads, D = p.dim, half = D / 2;
    const int64_t rows = p.batch * S * H;
    const auto rc = [](float v) {
        if constexpr (RoundEach) return to_f32(from_f32<T>(v));
        else return v;
    };
    ctx.pool->parallel_for(rows, row_grain(D), [&](int64_t r0, int64_t r1) {
        std::vector<float> c(static_cast<size_t>(D)), s(static_cast<size_t>(D));
        int64_t loaded = -1;
        for (int64_t r = r0; r < r1; ++r) {
            const int64_t bs = r / H;  // (b, s) row of x
            const int64_t trow = p.cos_batched ? bs : bs % S;
            if (trow != loaded) {
                const U * cp = p.cos.ptr<U>() + trow * D;
                const U * sp = p.sin.ptr<U>() + trow * D;
                for (int64_t j = 0; j < D; ++j) c[j] = to_f32(cp[j]), s[j] = to_f32(sp[j]);
                loaded = trow;
            }
            const T * x = p.x.ptr<T>() + r * D;
            T * o = p.out.ptr<T>() + r * D;
            for (int64_t j = 0; j < half; ++j) {
                const float x1 = to_f32(x[j]), x2 = to_f32(x[j + half]);
                const float lo = rc(rc(x1 * c[j]) + rc(-x2 * s[j]));
                const float hi = rc(rc(x2 * c[j + half]) + rc(x1 * s[j + half]));
                o[j] = from_f32<T>(lo);
                o[j + half] = from_f32<T>(hi);
            }
        }
    });
}

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
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            with_dtype(p.cos.type, [&](auto tc) {
                using U = decltype(tc);
                if constexpr (is_floatish_v<U>) {
                    if constexpr (std::is_same_v<T, U> && is_half_v<T>) apply_rows<T, U, true>(p, ctx);
                    else apply_rows<T, U, false>(p, ctx);
                }
            });
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
