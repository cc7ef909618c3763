// attention (CUDA): out = softmax(mask(scale q k^T [softcapped])) v per segment and head, masks
// and layouts as in params/attention.h; q/k/v f16 or bf16, f32 accumulation and softmax.
// One dispatcher picks the prefill kernel (attention-prefill.cuh) by head dim: the key tile BN
// keeps double-buffered K/V tiles within the 48 KB of static shared memory (BN 64 for D <= 80,
// 32 for D 96/128, 16 for D 256). Grid: dense (ceil(Sq / 64), B, H); varlen (ceil(Tq / 64) + B,
// 1, H), each block finding its (segment, tile) from the clamped boundaries, so no host copy of
// cu_seqlens and no max-seqlen argument is needed. Reference: FlashAttention-2 (arXiv 2307.08691).
#include <cmath>

#include "attention-prefill.cuh"
#include "ops.cuh"

namespace xemb::cuda {

status attention_supports(const attention_params & p) {
    if (p.q.type != dtype::f16 && p.q.type != dtype::bf16)
        return make_status(status_code::unsupported, std::string("attention: the CUDA kernels take q/k/v in f16 or bf16, received ") + dtype_name(p.q.type));
    if (p.h > 65535) return make_status(status_code::unsupported, "attention: the CUDA kernel supports at most 65535 query heads (grid.z), received " + std::to_string(p.h));
    if (!p.varlen && p.batch > 65535) return make_status(status_code::unsupported, "attention: the CUDA kernel supports batch <= 65535 (grid.y), received " + std::to_string(p.batch));
    const int64_t gx = p.varlen ? (p.sq + attn::BM - 1) / attn::BM + p.batch : (p.sq + attn::BM - 1) / attn::BM;
    if (gx > INT32_MAX) return make_status(status_code::unsupported, "attention: too many query tiles for one grid (" + std::to_string(gx) + ")");
    return status::success();
}

namespace {

template <bool BF16, int D, int BN>
status launch_prefill(const attn_args & a, dim3 grid, const exec_ctx & ctx) {
    return launch("attention_prefill", attention_prefill_kernel<BF16, D, BN>, grid, dim3(attn::THREADS), 0, stream_of(ctx), a);
}

template <bool BF16>
status dispatch(const attention_params & p, const attn_args & a, dim3 grid, const exec_ctx & ctx) {
    switch (p.d) {
        case 64: return launch_prefill<BF16, 64, 64>(a, grid, ctx);
        case 72: return launch_prefill<BF16, 72, 64>(a, grid, ctx);
        case 80: return launch_prefill<BF16, 80, 64>(a, grid, ctx);
        case 96: return launch_prefill<BF16, 96, 32>(a, grid, ctx);
        case 128: return launch_prefill<BF16, 128, 32>(a, grid, ctx);
        case 256: return launch_prefill<BF16, 256, 16>(a, grid, ctx);
        default: return make_status(status_code::internal, "attention: head dim " + std::to_string(p.d) + " passed validation but has no kernel");
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
    const unsigned tiles = static_cast<unsigned>((p.sq + attn::BM - 1) / attn::BM);
    const dim3 grid = p.varlen ? dim3(tiles + static_cast<unsigned>(p.batch), 1, static_cast<unsigned>(p.h))
                               : dim3(tiles, static_cast<unsigned>(p.batch), static_cast<unsigned>(p.h));
    return p.q.type == dtype::bf16 ? dispatch<true>(p, a, grid, ctx) : dispatch<false>(p, a, grid, ctx);
}

}  // namespace xemb::cuda
