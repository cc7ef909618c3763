// attention (CUDA): out = softmax(mask(scale q k^T [softcapped])) v per segment and head, masks
// and layouts as in params/attention.h; q/k/v f16 or bf16, f32 accumulation and softmax.
// One dispatcher picks the prefill kernel (attention-prefill.cuh) by head dim: the key tile BN
// keeps double-buffered K/V tiles within the 48 KB of static shared memory (BN 64 for D <= 80,
// 32 for D 96/128, 16 for D 256). A block's 64 rows are (position, query head) pairs of one KV
// head's group (G = H / Hkv), so GQA heads share K/V tiles. Grid: dense (ceil(Sq G / 64), B, Hkv);
// varlen (ceil(Tq G / 64) + B, 1, Hkv), each block finding its (segment, tile) from the clamped
// boundaries, so no host copy of cu_seqlens and no max-seqlen argument is needed.
// attention_with_kv_cache: an append kernel writes k_new/v_new into the (contiguous or paged)
// cache, then the same prefill kernel reads K/V through the page table with per-sequence lengths
// (grid (ceil(Sq G / 64) x splits, B, Hkv); decode puts the G heads of a group on the MMA rows,
// and split-KV (flash-decoding) spreads a long context over `splits` blocks per KV head whose
// partial outputs attention_combine_kernel merges by their LSEs).
// Reference: FlashAttention-2 (arXiv 2307.08691), flash_attn_with_kvcache.
#include <cmath>

#include "attention-prefill.cuh"
#include "ops.cuh"

namespace xemb::cuda {

status attention_supports(const attention_params & p) {
    if (p.q.type != dtype::f16 && p.q.type != dtype::bf16)
        return make_status(status_code::unsupported, std::string("attention: the CUDA kernels take q/k/v in f16 or bf16, received ") + dtype_name(p.q.type));
    for (const tensor * t : {&p.q, &p.k, &p.v})
        if (t->offset % 8 != 0)
            return make_status(status_code::unsupported, "attention: the CUDA kernel needs 16-byte aligned q/k/v (cp.async; the TS op copies others), received a view at element offset " + std::to_string(t->offset));
    if (p.hkv > 65535) return make_status(status_code::unsupported, "attention: the CUDA kernel supports at most 65535 key/value heads (grid.z), received " + std::to_string(p.hkv));
    if (!p.varlen && p.batch > 65535) return make_status(status_code::unsupported, "attention: the CUDA kernel supports batch <= 65535 (grid.y), received " + std::to_string(p.batch));
    const int64_t g = p.h / p.hkv;
    const int64_t gx = p.varlen ? (p.sq * g + attn::BM - 1) / attn::BM + p.batch : (p.sq * g + attn::BM - 1) / attn::BM;
    if (gx > INT32_MAX) return make_status(status_code::unsupported, "attention: too many query tiles for one grid (" + std::to_string(gx) + ")");
    return status::success();
}

status attention_kv_supports(const attention_kv_params & p) {
    if (p.q.type != dtype::f16 && p.q.type != dtype::bf16)
        return make_status(status_code::unsupported, std::string("attention_with_kv_cache: the CUDA kernels take q and the cache in f16 or bf16, received ") + dtype_name(p.q.type));
    if (p.batch > 65535 || p.hkv > 65535)
        return make_status(status_code::unsupported, "attention_with_kv_cache: the CUDA kernel supports batch and Hkv <= 65535, received " + std::to_string(p.batch) + ", " + std::to_string(p.hkv));
    for (const tensor * t : {&p.q, &p.k_cache, &p.v_cache})
        if (t->offset % 8 != 0)
            return make_status(status_code::unsupported, "attention_with_kv_cache: the CUDA kernel needs 16-byte aligned q and caches (cp.async), received a view at element offset " + std::to_string(t->offset));
    return status::success();
}

namespace {

// k_new/v_new [B, Snew, Hkv, D] -> cache rows at positions seqlens[b] + i (through the page table)
__global__ void kv_append_kernel(const uint16_t * kn, const uint16_t * vn, uint16_t * kc, uint16_t * vc, const int32_t * seqlens, const int32_t * pages,
                                 int64_t n, int s_new, int64_t kv_rs, int64_t capacity, int page_size, int max_pages) {
    grid_stride(n, [&](int64_t i) {
        const int64_t row = i / kv_rs, col = i - row * kv_rs;
        const int b = static_cast<int>(row / s_new), pos = seqlens[b] + static_cast<int>(row - static_cast<int64_t>(b) * s_new);
        const int64_t dst = pages ? (static_cast<int64_t>(pages[static_cast<int64_t>(b) * max_pages + pos / page_size]) * page_size + pos % page_size) * kv_rs
                                  : (b * capacity + pos) * kv_rs;
        kc[dst + col] = kn[i];
        vc[dst + col] = vn[i];
    });
}

template <bool BF16, int D, int BN>
status launch_prefill(const attn_args & a, dim3 grid, const exec_ctx & ctx) {
    return launch("attention_prefill", attention_prefill_kernel<BF16, D, BN>, grid, dim3(attn::THREADS), 0, stream_of(ctx), a);
}

template <bool BF16>
status dispatch(int64_t d, const attn_args & a, dim3 grid, const exec_ctx & ctx) {
    switch (d) {
        case 64: return launch_prefill<BF16, 64, 64>(a, grid, ctx);
        case 72: return launch_prefill<BF16, 72, 64>(a, grid, ctx);
        case 80: return launch_prefill<BF16, 80, 64>(a, grid, ctx);
        case 96: return launch_prefill<BF16, 96, 32>(a, grid, ctx);
        case 128: return launch_prefill<BF16, 128, 32>(a, grid, ctx);
        case 256: return launch_prefill<BF16, 256, 16>(a, grid, ctx);
        default: return make_status(status_code::internal, "attention: head dim " + std::to_string(d) + " passed validation but has no kernel");
    }
}

}  // namespace

status attention(const attention_params & p, const exec_ctx & ctx) {
    if (p.out.numel() == 0) return status::success();
    attn_args a{};
    a.q = p.q.ptr<uint16_t>();
    a.k = p.k.ptr<uint16_t>();
    a.v = p.v.ptr<uint16_t>();
    a.out = p.out.ptr<uint16_t>();
    a.lse = p.return_lse ? p.lse.ptr<float>() : nullptr;
    a.cu_q = p.varlen ? p.cu_q.ptr<int32_t>() : nullptr;
    a.cu_k = p.varlen ? p.cu_k.ptr<int32_t>() : nullptr;
    a.q_rs = p.h * p.d;
    a.kv_rs = p.hkv * p.d;
    a.kv_bs = p.sk * a.kv_rs;
    a.splits = 1;
    a.h = static_cast<int>(p.h);
    a.group = static_cast<int>(p.h / p.hkv);
    a.batch = static_cast<int>(p.batch);
    a.sq = static_cast<int>(p.sq);
    a.sk = static_cast<int>(p.sk);
    a.scale_log2 = static_cast<float>(p.scale * 1.4426950408889634);
    a.scale_cap = p.softcap > 0 ? static_cast<float>(p.scale / p.softcap) : 0.0f;
    a.cap_log2 = p.softcap > 0 ? static_cast<float>(p.softcap * 1.4426950408889634) : 0.0f;
    a.left = static_cast<int>(p.window_left < INT32_MAX ? p.window_left : INT32_MAX);
    const int64_t right = p.right_bound();
    a.right = static_cast<int>(right < INT32_MAX ? right : INT32_MAX);
    const unsigned tiles = static_cast<unsigned>((p.sq * a.group + attn::BM - 1) / attn::BM);
    const dim3 grid = p.varlen ? dim3(tiles + static_cast<unsigned>(p.batch), 1, static_cast<unsigned>(p.hkv))
                               : dim3(tiles, static_cast<unsigned>(p.batch), static_cast<unsigned>(p.hkv));
    return p.q.type == dtype::bf16 ? dispatch<true>(p.d, a, grid, ctx) : dispatch<false>(p.d, a, grid, ctx);
}

status attention(const attention_kv_params & p, const exec_ctx & ctx) {
    const int64_t kv_rs = p.hkv * p.d;
    const int32_t * seq = p.cache_seqlens.ptr<int32_t>();
    const int32_t * pages = p.paged ? p.block_table.ptr<int32_t>() : nullptr;
    if (p.has_new && p.batch * p.s_new > 0) {
        const int64_t n = p.batch * p.s_new * kv_rs;
        XEMB_RETURN_IF_ERROR(launch("kv_append", kv_append_kernel, grid_for(n, 256), dim3(256), 0, stream_of(ctx), p.k_new.ptr<uint16_t>(), p.v_new.ptr<uint16_t>(),
                                    p.k_cache.ptr<uint16_t>(), p.v_cache.ptr<uint16_t>(), seq, pages, n, static_cast<int>(p.s_new), kv_rs, p.capacity,
                                    static_cast<int>(p.page_size), static_cast<int>(p.max_pages)));
    }
    if (p.out.numel() == 0) return status::success();
    attn_args a{};
    a.q = p.q.ptr<uint16_t>();
    a.k = p.k_cache.ptr<uint16_t>();
    a.v = p.v_cache.ptr<uint16_t>();
    a.out = p.out.ptr<uint16_t>();
    a.lse = p.return_lse ? p.lse.ptr<float>() : nullptr;
    a.seqlens = seq;
    a.pages = pages;
    a.q_rs = p.h * p.d;
    a.kv_rs = kv_rs;
    a.kv_bs = p.capacity * kv_rs;
    a.page_rs = p.page_size * kv_rs;
    a.page_size = static_cast<int>(p.page_size);
    a.max_pages = static_cast<int>(p.max_pages);
    a.s_new = static_cast<int>(p.s_new);
    a.h = static_cast<int>(p.h);
    a.group = static_cast<int>(p.h / p.hkv);
    a.batch = static_cast<int>(p.batch);
    a.sq = static_cast<int>(p.sq);
    a.sk = 0;
    a.scale_log2 = static_cast<float>(p.scale * 1.4426950408889634);
    a.scale_cap = p.softcap > 0 ? static_cast<float>(p.scale / p.softcap) : 0.0f;
    a.cap_log2 = p.softcap > 0 ? static_cast<float>(p.softcap * 1.4426950408889634) : 0.0f;
    a.left = static_cast<int>(p.window_left < INT32_MAX ? p.window_left : INT32_MAX);
    const int64_t right = p.right_bound();
    a.right = static_cast<int>(right < INT32_MAX ? right : INT32_MAX);
    a.splits = static_cast<int>(p.num_splits);
    a.ws_o = p.num_splits > 1 ? p.ws_o.ptr<float>() : nullptr;
    a.ws_lse = p.num_splits > 1 ? p.ws_lse.ptr<float>() : nullptr;
    const dim3 grid(static_cast<unsigned>((p.sq * a.group + attn::BM - 1) / attn::BM * a.splits), static_cast<unsigned>(p.batch), static_cast<unsigned>(p.hkv));
    const bool bf = p.q.type == dtype::bf16;
    XEMB_RETURN_IF_ERROR(bf ? dispatch<true>(p.d, a, grid, ctx) : dispatch<false>(p.d, a, grid, ctx));
    if (a.splits == 1) return status::success();
    const int64_t n = p.batch * p.sq * p.h * p.d;
    const int d = static_cast<int>(p.d);
    return bf ? launch("attention_combine", attention_combine_kernel<true>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), a, d)
              : launch("attention_combine", attention_combine_kernel<false>, grid_for(n, 256), dim3(256), 0, stream_of(ctx), a, d);
}

}  // namespace xemb::cuda
