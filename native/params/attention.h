// attention: out[t, h, :] = sum_j softmax_j(s[t, j]) v[j, h / (H / Hkv), :] with
//   s[t, j] = scale * q[t, h, :] . k[j, hk, :]            (or softcap * tanh(that / softcap))
// over the keys j of t's segment that the mask lets through (FlashAttention-2 >= 2.1 semantics):
//   query i of a segment with Sq queries and Sk keys sees key j (0 <= j < Sk) when
//   j <= i + Sk - Sq + right  (right = 0 under causal, min with window_right when both)  and
//   j >= i + Sk - Sq - left   (left = window_left; -1 = unbounded on that side).
// Causal is therefore bottom-right aligned when Sq != Sk. A row that sees no key (Sk = 0, or
// masked out entirely) gives output 0 and lse -inf. lse[t, h] = log sum_j exp(s[t, j]) (natural
// log, of the scaled/softcapped logits), f32.
//
// Layouts: dense q [B, Sq, H, D], k/v [B, Sk, Hkv, D]; varlen (packed) q [Tq, H, D], k/v
// [Tk, Hkv, D] with cu_seqlens_q/k i32 [B + 1] (segment b = rows [cu[b], cu[b+1]); segments never
// attend across boundaries). All inputs contiguous (the TS op copies others first).
//
// cu_seqlens validation: the TS op passes the host values it uploaded as the attributes
// cu_seqlens_q_host / cu_seqlens_k_host, which are checked here (start 0, non-decreasing, end at
// Tq / Tk) so a bad array is a KernelError at the call. Tensors without host values (computed on
// the device) cannot be read before launch; kernels then use the clamped running maximum
//   c[0] = clamp(cu[0], 0, T), c[b] = clamp(max(cu[b], c[b-1]), 0, T)
// which never reads or writes out of bounds, and rows outside [c[0], c[B]) give 0 / -inf.
#pragma once
#include <cmath>
#include <string>
#include "../op-args.h"

namespace xemb {

inline bool attention_head_dim_ok(int64_t d) { return d == 64 || d == 72 || d == 80 || d == 96 || d == 128 || d == 256; }

// Checks host cu_seqlens values: length B + 1, starts at 0, non-decreasing, ends at `total`.
inline status attention_check_cu(const char * op, const char * name, const std::vector<int64_t> & cu, int64_t len, int64_t total, int64_t & max_len) {
    if (static_cast<int64_t>(cu.size()) != len)
        return invalid_arg(std::string(op) + ": expected " + name + " with " + std::to_string(len) + " values (its tensor's length), received " + std::to_string(cu.size()));
    if (cu[0] != 0) return invalid_arg(std::string(op) + ": expected " + name + "[0] = 0, received " + std::to_string(cu[0]));
    max_len = 0;
    for (size_t i = 1; i < cu.size(); ++i) {
        if (cu[i] < cu[i - 1])
            return invalid_arg(std::string(op) + ": expected " + name + " non-decreasing, received " + name + "[" + std::to_string(i) + "] = " + std::to_string(cu[i]) +
                               " < " + name + "[" + std::to_string(i - 1) + "] = " + std::to_string(cu[i - 1]));
        if (cu[i] - cu[i - 1] > max_len) max_len = cu[i] - cu[i - 1];
    }
    if (cu.back() != total)
        return invalid_arg(std::string(op) + ": expected " + name + "[" + std::to_string(cu.size() - 1) + "] = " + std::to_string(total) + " (the packed length), received " +
                           std::to_string(cu.back()));
    return status::success();
}

struct attention_params {
    tensor q;              // [B, Sq, H, D] or varlen [Tq, H, D], contiguous, f32/f16/bf16
    tensor k;              // [B, Sk, Hkv, D] or varlen [Tk, Hkv, D], contiguous, dtype of q
    tensor v;              // shape and dtype of k, contiguous
    tensor cu_q;           // varlen only: [B + 1] i32 on q's device
    tensor cu_k;           // varlen only: [B + 1] i32 on q's device
    tensor out;            // shape and dtype of q, contiguous
    tensor lse;            // return_lse only: [B, H, Sq] f32 (varlen: [H, Tq])
    bool varlen = false;
    bool cu_checked = false;  // host values of both cu tensors were validated here
    bool return_lse = false;
    int64_t batch = 0;     // B
    int64_t sq = 0, sk = 0;   // dense: per-batch lengths; varlen: Tq, Tk (packed totals)
    int64_t max_sq = 0, max_sk = 0;  // longest segment (dense: sq, sk; varlen: from host values, else the totals)
    int64_t h = 0, hkv = 0, d = 0;
    bool causal = false;
    double scale = 0;      // default 1 / sqrt(D)
    int64_t window_left = -1, window_right = -1;  // -1: unbounded
    double softcap = 0;    // 0: off

    // The right bound the kernels apply: causal means window_right = 0 (min(w, 0) = 0 for any
    // window_right >= 0 or unbounded), as flash_attn does.
    int64_t right_bound() const { return causal ? 0 : window_right; }

    static status parse(op_id, const op_args & args, attention_params & p) {
        static const char * const names[] = {"q", "k", "v", "cu_seqlens_q", "cu_seqlens_k"};
        const char * op = "attention";
        if (args.inputs.size() != 3 && args.inputs.size() != 5)
            return invalid_arg("attention: expected 3 tensor inputs (q, k, v) or 5 (q, k, v, cu_seqlens_q, cu_seqlens_k), received " + std::to_string(args.inputs.size()));
        XEMB_RETURN_IF_ERROR(expect_inputs(op, args, args.inputs.size()));
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, names));
        p.q = args.inputs[0];
        p.k = args.inputs[1];
        p.v = args.inputs[2];
        p.varlen = args.inputs.size() == 5;
        for (int i = 0; i < 3; ++i) {
            const tensor & t = args.inputs[i];
            if (!dtype_is_float(t.type))
                return invalid_arg(std::string("attention: expected ") + names[i] + " with dtype one of f32, f16, bf16, received " + dtype_name(t.type));
            if (!t.is_contiguous()) return invalid_arg(std::string("attention: expected ") + names[i] + " contiguous, received strides " + t.strides.str());
        }
        if (p.k.type != p.q.type) return invalid_arg(std::string("attention: expected k with the dtype of q (") + dtype_name(p.q.type) + "), received " + dtype_name(p.k.type));
        if (p.v.type != p.q.type) return invalid_arg(std::string("attention: expected v with the dtype of q (") + dtype_name(p.q.type) + "), received " + dtype_name(p.v.type));
        const int rank = p.varlen ? 3 : 4;
        const char * qlay = p.varlen ? "[Tq, H, D]" : "[B, Sq, H, D]";
        const char * klay = p.varlen ? "[Tk, Hkv, D]" : "[B, Sk, Hkv, D]";
        if (p.q.rank() != rank) return invalid_arg(std::string("attention: expected q of shape ") + qlay + ", received " + p.q.shape.str());
        if (p.k.rank() != rank) return invalid_arg(std::string("attention: expected k of shape ") + klay + ", received " + p.k.shape.str());
        if (!(p.v.shape == p.k.shape)) return invalid_arg("attention: expected v of the shape of k " + p.k.shape.str() + ", received " + p.v.shape.str());
        p.h = p.q.shape[rank - 2];
        p.d = p.q.shape[rank - 1];
        p.hkv = p.k.shape[rank - 2];
        if (!attention_head_dim_ok(p.d)) return invalid_arg("attention: expected head dim D one of 64, 72, 80, 96, 128, 256, received q " + p.q.shape.str());
        if (p.k.shape[rank - 1] != p.d)
            return invalid_arg("attention: expected k with head dim " + std::to_string(p.d) + " (that of q " + p.q.shape.str() + "), received " + p.k.shape.str());
        if (p.h < 1 || p.hkv < 1 || p.h % p.hkv != 0)
            return invalid_arg("attention: expected the query heads H (" + std::to_string(p.h) + ") to be a positive multiple of the key/value heads Hkv, received k " + p.k.shape.str());
        if (p.varlen) {
            p.cu_q = args.inputs[3];
            p.cu_k = args.inputs[4];
            p.sq = p.q.shape[0];
            p.sk = p.k.shape[0];
            for (int i = 3; i < 5; ++i) {
                const tensor & t = args.inputs[i];
                if (t.type != dtype::i32) return invalid_arg(std::string("attention: expected ") + names[i] + " with dtype i32, received " + dtype_name(t.type));
                if (t.rank() != 1 || t.shape[0] < 2) return invalid_arg(std::string("attention: expected ") + names[i] + " of shape [B + 1] with B >= 1, received " + t.shape.str());
                if (!t.is_contiguous()) return invalid_arg(std::string("attention: expected ") + names[i] + " contiguous, received strides " + t.strides.str());
            }
            if (p.cu_k.shape[0] != p.cu_q.shape[0])
                return invalid_arg("attention: expected cu_seqlens_k of the shape of cu_seqlens_q " + p.cu_q.shape.str() + ", received " + p.cu_k.shape.str());
            p.batch = p.cu_q.shape[0] - 1;
            std::vector<int64_t> hq, hk;
            const bool has_q = args.find("cu_seqlens_q_host") != nullptr, has_k = args.find("cu_seqlens_k_host") != nullptr;
            p.max_sq = p.sq;
            p.max_sk = p.sk;
            if (has_q) {
                XEMB_RETURN_IF_ERROR(get_ints(op, args, "cu_seqlens_q_host", hq));
                XEMB_RETURN_IF_ERROR(attention_check_cu(op, "cu_seqlens_q", hq, p.batch + 1, p.sq, p.max_sq));
            }
            if (has_k) {
                XEMB_RETURN_IF_ERROR(get_ints(op, args, "cu_seqlens_k_host", hk));
                XEMB_RETURN_IF_ERROR(attention_check_cu(op, "cu_seqlens_k", hk, p.batch + 1, p.sk, p.max_sk));
            }
            p.cu_checked = has_q && has_k;
        } else {
            p.batch = p.q.shape[0];
            p.sq = p.q.shape[1];
            p.sk = p.k.shape[1];
            if (p.k.shape[0] != p.batch)
                return invalid_arg("attention: expected k with batch " + std::to_string(p.batch) + " (that of q " + p.q.shape.str() + "), received " + p.k.shape.str());
            p.max_sq = p.sq;
            p.max_sk = p.sk;
        }
        XEMB_RETURN_IF_ERROR(get_bool(op, args, "causal", p.causal, false));
        XEMB_RETURN_IF_ERROR(get_bool(op, args, "return_lse", p.return_lse, false));
        p.scale = 1.0 / std::sqrt(static_cast<double>(p.d));
        XEMB_RETURN_IF_ERROR(get_number(op, args, "scale", p.scale, false));
        if (!std::isfinite(p.scale) || p.scale == 0) return invalid_arg("attention: expected scale finite and non-zero, received " + std::to_string(p.scale));
        XEMB_RETURN_IF_ERROR(get_number(op, args, "softcap", p.softcap, false));
        if (!std::isfinite(p.softcap) || p.softcap < 0) return invalid_arg("attention: expected softcap finite and >= 0 (0 = off), received " + std::to_string(p.softcap));
        XEMB_RETURN_IF_ERROR(get_int(op, args, "window_left", p.window_left, false));
        XEMB_RETURN_IF_ERROR(get_int(op, args, "window_right", p.window_right, false));
        if (p.window_left < -1) return invalid_arg("attention: expected window_left >= 0 or -1 (unbounded), received " + std::to_string(p.window_left));
        if (p.window_right < -1) return invalid_arg("attention: expected window_right >= 0 or -1 (unbounded), received " + std::to_string(p.window_right));
        if (p.varlen ? p.sq > INT32_MAX || p.sk > INT32_MAX : p.sq * p.batch > INT32_MAX || p.sk * p.batch > INT32_MAX)
            return invalid_arg("attention: expected at most 2^31 - 1 query and key rows, received q " + p.q.shape.str() + ", k " + p.k.shape.str());
        p.out.shape = p.q.shape;
        p.out.type = p.q.type;
        if (p.return_lse) {
            p.lse.type = dtype::f32;
            if (p.varlen) XEMB_RETURN_IF_ERROR(shape_t::make({p.h, p.sq}, p.lse.shape, "lse"));
            else XEMB_RETURN_IF_ERROR(shape_t::make({p.batch, p.h, p.sq}, p.lse.shape, "lse"));
        }
        return status::success();
    }
    std::vector<tensor *> outputs() {
        if (return_lse) return {&out, &lse};
        return {&out};
    }
    std::vector<const tensor *> inputs() const {
        if (varlen) return {&q, &k, &v, &cu_q, &cu_k};
        return {&q, &k, &v};
    }
};

}  // namespace xemb
