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

// attention_with_kv_cache: decode / chunked prefill against a KV cache, flash_attn_with_kvcache
// semantics. q [B, Sq, H, D]; the cache holds cache_seqlens[b] tokens of sequence b:
//   contiguous: k_cache/v_cache [B, Smax, Hkv, D], token p of b at [b, p];
//   paged:      k_cache/v_cache [pages, P, Hkv, D] (16 <= P <= 256), block_table [B, max_pages]
//               i32, token p of b at [block_table[b, p / P], p % P].
// k_new/v_new [B, Snew, Hkv, D] (optional) are first written IN PLACE into the cache at positions
// cache_seqlens[b] .. + Snew (the cache tensors are modified by the call), then q attends to the
// Sk = cache_seqlens[b] + Snew keys of b with the masks of `attention` (causal bottom-right: the Sq
// queries are the last Sq positions). cache_seqlens and block_table are validated on the host
// (the TS op passes their values as cache_seqlens_host / block_table_host next to the uploaded
// tensors): 0 <= seqlen, seqlen + Snew <= capacity (Smax, or max_pages * P), and every page a
// sequence uses in [0, pages). Outputs: out like q; lse f32 [B, H, Sq] when return_lse.
struct attention_kv_params {
    tensor q;              // [B, Sq, H, D], contiguous, f32/f16/bf16
    tensor k_cache;        // [B, Smax, Hkv, D] or paged [pages, P, Hkv, D], contiguous, dtype of q; WRITTEN when k_new is given
    tensor v_cache;        // shape and dtype of k_cache; WRITTEN when v_new is given
    tensor cache_seqlens;  // [B] i32
    tensor k_new;          // has_new only: [B, Snew, Hkv, D], dtype of q, contiguous
    tensor v_new;          // shape of k_new
    tensor block_table;    // paged only: [B, max_pages] i32
    tensor out;            // [B, Sq, H, D], dtype of q
    tensor lse;            // return_lse only: [B, H, Sq] f32
    // split-KV workspace (num_splits > 1; extra outputs the TS op disposes at once): partial
    // outputs [splits, B*Sq*H, D] and their lse [splits, B*Sq*H], f32. CPU kernels ignore them.
    tensor ws_o, ws_lse;
    int64_t num_splits = 1;
    bool has_new = false, paged = false, return_lse = false;
    int64_t batch = 0, sq = 0, h = 0, hkv = 0, d = 0;
    int64_t s_new = 0;
    int64_t capacity = 0;  // tokens one sequence can hold
    int64_t page_size = 0, pages = 0, max_pages = 0;
    int64_t max_sk = 0;    // longest Sk after the append (host values)
    bool causal = false;
    double scale = 0;
    int64_t window_left = -1, window_right = -1;
    double softcap = 0;
    std::vector<int64_t> seqlens_host;  // the validated values (CPU kernels use these)
    std::vector<int64_t> table_host;    // [B * max_pages], paged only

    int64_t right_bound() const { return causal ? 0 : window_right; }

    static status parse(op_id, const op_args & args, attention_kv_params & p) {
        const char * op = "attention_with_kv_cache";
        const size_t n = args.inputs.size();
        if (n < 4 || n > 7)
            return invalid_arg("attention_with_kv_cache: expected 4 to 7 tensor inputs (q, k_cache, v_cache, cache_seqlens, [k_new, v_new], [block_table]), received " + std::to_string(n));
        p.has_new = n >= 6;
        p.paged = n == 5 || n == 7;
        static const char * const names_nn[] = {"q", "k_cache", "v_cache", "cache_seqlens", "block_table"};
        static const char * const names_new[] = {"q", "k_cache", "v_cache", "cache_seqlens", "k_new", "v_new", "block_table"};
        XEMB_RETURN_IF_ERROR(expect_inputs(op, args, n));
        XEMB_RETURN_IF_ERROR(expect_same_device(op, args, p.has_new ? names_new : names_nn));
        p.q = args.inputs[0];
        p.k_cache = args.inputs[1];
        p.v_cache = args.inputs[2];
        p.cache_seqlens = args.inputs[3];
        if (p.has_new) {
            p.k_new = args.inputs[4];
            p.v_new = args.inputs[5];
        }
        if (p.paged) p.block_table = args.inputs[n - 1];
        const tensor * fl[] = {&p.q, &p.k_cache, &p.v_cache, &p.k_new, &p.v_new};
        const char * fln[] = {"q", "k_cache", "v_cache", "k_new", "v_new"};
        for (int i = 0; i < (p.has_new ? 5 : 3); ++i) {
            const tensor & t = *fl[i];
            if (!dtype_is_float(t.type)) return invalid_arg(std::string(op) + ": expected " + fln[i] + " with dtype one of f32, f16, bf16, received " + dtype_name(t.type));
            if (t.type != p.q.type) return invalid_arg(std::string(op) + ": expected " + fln[i] + " with the dtype of q (" + dtype_name(p.q.type) + "), received " + dtype_name(t.type));
            if (!t.is_contiguous()) return invalid_arg(std::string(op) + ": expected " + fln[i] + " contiguous, received strides " + t.strides.str());
            if (t.rank() != 4) return invalid_arg(std::string(op) + ": expected " + fln[i] + " of rank 4, received " + t.shape.str());
        }
        p.batch = p.q.shape[0];
        p.sq = p.q.shape[1];
        p.h = p.q.shape[2];
        p.d = p.q.shape[3];
        p.hkv = p.k_cache.shape[2];
        if (!attention_head_dim_ok(p.d)) return invalid_arg(std::string(op) + ": expected head dim D one of 64, 72, 80, 96, 128, 256, received q " + p.q.shape.str());
        if (!(p.v_cache.shape == p.k_cache.shape)) return invalid_arg(std::string(op) + ": expected v_cache of the shape of k_cache " + p.k_cache.shape.str() + ", received " + p.v_cache.shape.str());
        if (p.k_cache.shape[3] != p.d) return invalid_arg(std::string(op) + ": expected k_cache with head dim " + std::to_string(p.d) + " (that of q " + p.q.shape.str() + "), received " + p.k_cache.shape.str());
        if (p.hkv < 1 || p.h < 1 || p.h % p.hkv != 0)
            return invalid_arg(std::string(op) + ": expected the query heads H (" + std::to_string(p.h) + ") to be a positive multiple of the cache heads Hkv, received k_cache " + p.k_cache.shape.str());
        if (p.paged) {
            const tensor & bt = p.block_table;
            if (bt.type != dtype::i32 || bt.rank() != 2 || bt.shape[0] != p.batch || !bt.is_contiguous())
                return invalid_arg(std::string(op) + ": expected block_table i32 [" + std::to_string(p.batch) + ", max_pages] contiguous, received " + dtype_name(bt.type) + " " + bt.shape.str());
            p.pages = p.k_cache.shape[0];
            p.page_size = p.k_cache.shape[1];
            p.max_pages = bt.shape[1];
            if (p.page_size < 16 || p.page_size > 256)
                return invalid_arg(std::string(op) + ": expected a page size (k_cache dim 1) in [16, 256], received " + std::to_string(p.page_size));
            p.capacity = p.max_pages * p.page_size;
        } else {
            if (p.k_cache.shape[0] != p.batch)
                return invalid_arg(std::string(op) + ": expected k_cache with batch " + std::to_string(p.batch) + " (that of q " + p.q.shape.str() + "), received " + p.k_cache.shape.str());
            p.capacity = p.k_cache.shape[1];
        }
        if (p.has_new) {
            if (!(p.v_new.shape == p.k_new.shape)) return invalid_arg(std::string(op) + ": expected v_new of the shape of k_new " + p.k_new.shape.str() + ", received " + p.v_new.shape.str());
            if (p.k_new.shape[0] != p.batch || p.k_new.shape[2] != p.hkv || p.k_new.shape[3] != p.d)
                return invalid_arg(std::string(op) + ": expected k_new of shape [" + std::to_string(p.batch) + ", Snew, " + std::to_string(p.hkv) + ", " + std::to_string(p.d) + "], received " + p.k_new.shape.str());
            p.s_new = p.k_new.shape[1];
        }
        const tensor & cs = p.cache_seqlens;
        if (cs.type != dtype::i32 || cs.rank() != 1 || cs.shape[0] != p.batch || !cs.is_contiguous())
            return invalid_arg(std::string(op) + ": expected cache_seqlens i32 [" + std::to_string(p.batch) + "], received " + dtype_name(cs.type) + " " + cs.shape.str());
        std::vector<int64_t> & seq = p.seqlens_host;
        std::vector<int64_t> & table = p.table_host;
        XEMB_RETURN_IF_ERROR(get_ints(op, args, "cache_seqlens_host", seq));
        if (static_cast<int64_t>(seq.size()) != p.batch)
            return invalid_arg(std::string(op) + ": expected " + std::to_string(p.batch) + " cache_seqlens values, received " + std::to_string(seq.size()));
        if (p.paged) {
            XEMB_RETURN_IF_ERROR(get_ints(op, args, "block_table_host", table));
            if (static_cast<int64_t>(table.size()) != p.batch * p.max_pages)
                return invalid_arg(std::string(op) + ": expected " + std::to_string(p.batch * p.max_pages) + " block_table values, received " + std::to_string(table.size()));
        }
        for (int64_t b = 0; b < p.batch; ++b) {
            const int64_t s = seq[static_cast<size_t>(b)], sk = s + p.s_new;
            if (s < 0) return invalid_arg(std::string(op) + ": expected cache_seqlens[" + std::to_string(b) + "] >= 0, received " + std::to_string(s));
            if (sk > p.capacity)
                return invalid_arg(std::string(op) + ": cache too small: expected cache_seqlens[" + std::to_string(b) + "] + Snew <= " + std::to_string(p.capacity) +
                                   " tokens, received " + std::to_string(s) + " + " + std::to_string(p.s_new));
            if (sk > p.max_sk) p.max_sk = sk;
            if (p.paged)
                for (int64_t pg = 0; pg < (sk + p.page_size - 1) / p.page_size; ++pg) {
                    const int64_t id = table[static_cast<size_t>(b * p.max_pages + pg)];
                    if (id < 0 || id >= p.pages)
                        return invalid_arg(std::string(op) + ": expected block_table[" + std::to_string(b) + ", " + std::to_string(pg) + "] in [0, " + std::to_string(p.pages) +
                                           ") (a page of the sequence's " + std::to_string(sk) + " tokens), received " + std::to_string(id));
                }
        }
        if (p.sq > INT32_MAX / 2 || p.capacity > INT32_MAX / 2 || p.batch * p.sq > INT32_MAX)
            return invalid_arg(std::string(op) + ": expected fewer than 2^30 tokens, received q " + p.q.shape.str() + ", capacity " + std::to_string(p.capacity));
        XEMB_RETURN_IF_ERROR(get_bool(op, args, "causal", p.causal, false));
        XEMB_RETURN_IF_ERROR(get_bool(op, args, "return_lse", p.return_lse, false));
        p.scale = 1.0 / std::sqrt(static_cast<double>(p.d));
        XEMB_RETURN_IF_ERROR(get_number(op, args, "scale", p.scale, false));
        if (!std::isfinite(p.scale) || p.scale == 0) return invalid_arg(std::string(op) + ": expected scale finite and non-zero, received " + std::to_string(p.scale));
        XEMB_RETURN_IF_ERROR(get_number(op, args, "softcap", p.softcap, false));
        if (!std::isfinite(p.softcap) || p.softcap < 0) return invalid_arg(std::string(op) + ": expected softcap finite and >= 0 (0 = off), received " + std::to_string(p.softcap));
        XEMB_RETURN_IF_ERROR(get_int(op, args, "window_left", p.window_left, false));
        XEMB_RETURN_IF_ERROR(get_int(op, args, "window_right", p.window_right, false));
        if (p.window_left < -1) return invalid_arg(std::string(op) + ": expected window_left >= 0 or -1 (unbounded), received " + std::to_string(p.window_left));
        if (p.window_right < -1) return invalid_arg(std::string(op) + ": expected window_right >= 0 or -1 (unbounded), received " + std::to_string(p.window_right));
        // Split the keys when one row tile holds all query rows of a KV head (decode) and
        // batch x Hkv alone cannot fill a GPU: ~128 blocks, >= 256 keys per split.
        int64_t want = 0;
        XEMB_RETURN_IF_ERROR(get_int(op, args, "num_splits", want, false));
        if (want < 0 || want > 128) return invalid_arg(std::string(op) + ": expected num_splits in [0, 128] (0 = automatic), received " + std::to_string(want));
        if (want == 0) {
            p.num_splits = 1;
            if (p.sq * (p.h / p.hkv) <= 64 && p.max_sk >= 1024) {
                const int64_t blocks = p.batch * p.hkv, by_len = p.max_sk / 256;
                int64_t s = (128 + blocks - 1) / blocks;
                if (s > by_len) s = by_len;
                if (s > 64) s = 64;
                p.num_splits = s < 1 ? 1 : s;
            }
        } else {
            p.num_splits = want;
        }
        if (p.num_splits > 1 && p.sq * (p.h / p.hkv) > 64)
            return invalid_arg(std::string(op) + ": expected num_splits 0 or 1 when Sq x (H / Hkv) > 64 (split-KV is for decode), received " + std::to_string(want));
        p.out.shape = p.q.shape;
        p.out.type = p.q.type;
        if (p.return_lse) {
            p.lse.type = dtype::f32;
            XEMB_RETURN_IF_ERROR(shape_t::make({p.batch, p.h, p.sq}, p.lse.shape, "lse"));
        }
        if (p.num_splits > 1) {
            p.ws_o.type = p.ws_lse.type = dtype::f32;
            XEMB_RETURN_IF_ERROR(shape_t::make({p.num_splits, p.batch * p.sq * p.h, p.d}, p.ws_o.shape, "workspace"));
            XEMB_RETURN_IF_ERROR(shape_t::make({p.num_splits, p.batch * p.sq * p.h}, p.ws_lse.shape, "workspace"));
        }
        return status::success();
    }
    std::vector<tensor *> outputs() {
        std::vector<tensor *> r = {&out};
        if (return_lse) r.push_back(&lse);
        if (num_splits > 1) r.insert(r.end(), {&ws_o, &ws_lse});
        return r;
    }
    // Written in place (the kNew/vNew append): dispatch bumps their storage version before the
    // kernel (derived-data caches see the change) and poisons them when the op fails or is
    // skipped, so a cache that missed its append is never read as if valid.
    std::vector<const tensor *> in_place() const {
        if (!has_new) return {};
        return {&k_cache, &v_cache};
    }
    // k_cache / v_cache are read (and written in place when has_new): listed as inputs so a
    // failed producer poisons this op's outputs.
    std::vector<const tensor *> inputs() const {
        std::vector<const tensor *> r = {&q, &k_cache, &v_cache, &cache_seqlens};
        if (has_new) r.insert(r.end(), {&k_new, &v_new});
        if (paged) r.push_back(&block_table);
        return r;
    }
};

}  // namespace xemb
