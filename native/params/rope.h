// rope:                out = cast_T(x * cos + rotate_half(x) * sin), rotate_half(x) = [-x[D/2:], x[:D/2]]
// rope_cos_sin:        cos/sin[s, j] = cos/sin(pos_a(s) * inv_freq[j mod D/2]) with
//                      inv_freq[f] = 1 / theta^(f32(2f) / f32(D)), axis a picked by mrope_section
// vision_rope_cos_sin: the Qwen2.5-VL 2-D table: frequencies j mod D/2 < D/4 use the row
//                      position with inv_freq[j], the others the column position with
//                      inv_freq[j - D/4], inv_freq over dim D/2 (1 / theta^(f32(2i) / f32(D/2)))
// rope follows torch type promotion for `x * cos + rotate_half(x) * sin` and then casts to x's
// dtype T: with cos/sin in T (HF text path: tables cast to bf16) every product and the sum are
// rounded to T as PyTorch's bf16 kernels do; with cos/sin of another dtype (HF vision path: f32
// tables, q upcast) the arithmetic is f32 with one final rounding. Never fused into FMAs.
// Tables: positions -> f32 exactly as HF (position.float() * inv_freq in f32), cos/sin rounded
// from an f64 evaluation of that f32 angle; HF's CPU powf/cosf are 1-ulp SLEEF routines, so
// inv_freq, cos and sin agree with HF within 1 ulp (identical in almost every element).
#pragma once
#include <cmath>
#include <string>
#include <vector>
#include "../hd.h"
#include "../op-args.h"

namespace xemb {

// inv_freq[f] = 1 / theta^(f32(2f) / f32(dim)) as HF builds it (arange(0, dim, 2).float() / dim
// in f32, theta ** that, reciprocal), the power evaluated in f64 and rounded once. Shared by
// the CPU and CUDA kernels so both produce the same table.
XEMB_HD float rope_inv_freq(double theta, int64_t dim, int64_t f) {
    const float e = static_cast<float>(2 * f) / static_cast<float>(dim);
    const float pw = static_cast<float>(pow(static_cast<double>(static_cast<float>(theta)), static_cast<double>(e)));
    return 1.0f / pw;
}

// The f32 angle HF feeds to cos/sin: position.float() * inv_freq (one f32 product).
XEMB_HD float rope_angle(int64_t pos, float inv_freq) { return static_cast<float>(pos) * inv_freq; }

enum class rope_kind { apply, table, vision_table };

struct rope_params {
    static constexpr int max_axes = 4;
    rope_kind kind = rope_kind::apply;
    // apply
    tensor x;              // [*lead, S, H, D] contiguous, f32/f16/bf16, D even
    tensor cos, sin;       // [S, D] or [*lead, S, D] contiguous, same float dtype (any)
    tensor out;            // apply: [*lead, S, H, D], dtype of x; tables: cos [S, D]
    tensor out_sin;        // tables: sin [S, D]
    int64_t batch = 0;     // prod(lead)
    int64_t seq = 0, heads = 0, dim = 0;
    bool cos_batched = false;  // cos has the lead dims (one table per batch entry)
    // tables
    tensor positions;      // rope_cos_sin: [S] or [A, S]; vision_rope_cos_sin: [2, S] (row, col); i32/i64
    double theta = 10000;  // finite, > 0
    int axes = 1;          // A
    int64_t section_end[max_axes] = {};  // frequency f < section_end[a] (first such a) uses axis a

    static status parse(op_id id, const op_args & args, rope_params & p) {
        if (id == op_id::rope) return parse_apply(args, p);
        return parse_table(id, args, p);
    }

    static status parse_apply(const op_args & args, rope_params & p) {
        static const char * const names[] = {"x", "cos", "sin"};
        p.kind = rope_kind::apply;
        XEMB_RETURN_IF_ERROR(expect_inputs("rope", args, 3));
        XEMB_RETURN_IF_ERROR(expect_same_device("rope", args, names));
        XEMB_RETURN_IF_ERROR(expect_float_contiguous("rope", args, names));
        p.x = args.inputs[0];
        p.cos = args.inputs[1];
        p.sin = args.inputs[2];
        const int r = p.x.rank();
        if (r < 3) return invalid_arg("rope: expected x of shape [..., S, H, D] (rank >= 3), received " + p.x.shape.str());
        p.seq = p.x.shape[r - 3];
        p.heads = p.x.shape[r - 2];
        p.dim = p.x.shape[r - 1];
        if (p.dim % 2 != 0) return invalid_arg("rope: expected an even head dim D (last dim of x), received " + std::to_string(p.dim) + " in x " + p.x.shape.str());
        shape_t lead = p.x.shape;
        lead.rank = r - 3;
        p.batch = lead.numel();
        if (p.sin.type != p.cos.type)
            return invalid_arg(std::string("rope: expected sin with the dtype of cos (") + dtype_name(p.cos.type) + "), received " + dtype_name(p.sin.type));
        if (!(p.sin.shape == p.cos.shape))
            return invalid_arg("rope: expected sin of the shape of cos " + p.cos.shape.str() + ", received " + p.sin.shape.str());
        shape_t batched = lead;
        batched.rank = r - 1;
        batched[r - 3] = p.seq;
        batched[r - 2] = p.dim;
        shape_t plain;
        plain.rank = 2;
        plain[0] = p.seq;
        plain[1] = p.dim;
        if (p.cos.shape == plain) p.cos_batched = false;
        else if (r > 3 && p.cos.shape == batched) p.cos_batched = true;
        else
            return invalid_arg("rope: expected cos of shape " + plain.str() + (r > 3 ? " or " + batched.str() : std::string()) + " for x " + p.x.shape.str() + ", received " + p.cos.shape.str());
        p.out.shape = p.x.shape;
        p.out.type = p.x.type;
        return status::success();
    }

    static status parse_table(op_id id, const op_args & args, rope_params & p) {
        const bool vision = id == op_id::vision_rope_cos_sin;
        p.kind = vision ? rope_kind::vision_table : rope_kind::table;
        const char * op = vision ? "vision_rope_cos_sin" : "rope_cos_sin";
        static const char * const names[] = {"positions"};
        XEMB_RETURN_IF_ERROR(expect_inputs(op, args, 1));
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, names));
        p.positions = args.inputs[0];
        if (p.positions.type != dtype::i32 && p.positions.type != dtype::i64)
            return invalid_arg(std::string(op) + ": expected positions with dtype i32 or i64, received " + dtype_name(p.positions.type));
        if (!p.positions.is_contiguous())
            return invalid_arg(std::string(op) + ": expected positions contiguous, received strides " + p.positions.strides.str());
        const int r = p.positions.rank();
        if (vision) {
            if (r != 2 || p.positions.shape[0] != 2)
                return invalid_arg("vision_rope_cos_sin: expected positions of shape [2, S] (row, column), received " + p.positions.shape.str());
        } else if (r != 1 && r != 2) {
            return invalid_arg("rope_cos_sin: expected positions of shape [S] or [A, S] (one row per M-RoPE axis), received " + p.positions.shape.str());
        }
        p.axes = r == 1 ? 1 : static_cast<int>(p.positions.shape[0]);
        p.seq = p.positions.shape[r - 1];
        XEMB_RETURN_IF_ERROR(get_int(op, args, "dim", p.dim));
        XEMB_RETURN_IF_ERROR(get_number(op, args, "theta", p.theta));
        if (!std::isfinite(p.theta) || !(p.theta > 0))
            return invalid_arg(std::string(op) + ": expected theta finite and > 0, received " + std::to_string(p.theta));
        const int64_t mult = vision ? 4 : 2;
        if (p.dim <= 0 || p.dim % mult != 0)
            return invalid_arg(std::string(op) + ": expected dim a positive multiple of " + std::to_string(mult) + (vision ? " (row and column halves of the rotary half)" : "") + ", received " + std::to_string(p.dim));
        if (vision) {
            p.section_end[0] = p.dim / 4;
            p.section_end[1] = p.dim / 2;
        } else {
            std::vector<int64_t> sections;
            XEMB_RETURN_IF_ERROR(get_ints(op, args, "mrope_section", sections, p.axes > 1));
            if (sections.empty()) sections.push_back(p.dim / 2);
            if (p.axes < 1 || p.axes > max_axes)
                return invalid_arg("rope_cos_sin: expected positions with 1 to " + std::to_string(max_axes) + " axes (rows), received " + p.positions.shape.str());
            if (static_cast<int>(sections.size()) != p.axes)
                return invalid_arg("rope_cos_sin: expected mrope_section with one entry per positions row (" + std::to_string(p.axes) + "), received " + std::to_string(sections.size()) + " entries");
            int64_t sum = 0;
            for (size_t a = 0; a < sections.size(); ++a) {
                if (sections[a] < 0) return invalid_arg("rope_cos_sin: expected mrope_section entries >= 0, received " + std::to_string(sections[a]));
                sum += sections[a];
                p.section_end[a] = sum;
            }
            if (sum != p.dim / 2)
                return invalid_arg("rope_cos_sin: expected mrope_section summing to dim / 2 = " + std::to_string(p.dim / 2) + ", received a sum of " + std::to_string(sum));
        }
        dtype t = dtype::f32;
        XEMB_RETURN_IF_ERROR(get_dtype(op, args, "dtype", t, false));
        if (!dtype_is_float(t)) return invalid_arg(std::string(op) + ": expected dtype one of f32, f16, bf16, received " + dtype_name(t));
        p.out.type = p.out_sin.type = t;
        p.out.shape.rank = 2;
        p.out.shape[0] = p.seq;
        p.out.shape[1] = p.dim;
        p.out_sin.shape = p.out.shape;
        return status::success();
    }

    std::vector<tensor *> outputs() {
        if (kind == rope_kind::apply) return {&out};
        return {&out, &out_sin};
    }
    std::vector<const tensor *> inputs() const {
        if (kind == rope_kind::apply) return {&x, &cos, &sin};
        return {&positions};
    }
};

}  // namespace xemb
