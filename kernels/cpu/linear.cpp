// linear: out[m, n] = sum_k x[m, k] w[n, k] + bias[n] (torch.nn.functional.linear), x [M, K],
// w [N, K], bias [N], out [M, N] in x's dtype; f32 accumulation, rounded once.
// Variants (gemm.h): M <= 8 -> GEMV, w read in place at memory bandwidth (decode); otherwise the
// cache-blocked GEMM on w packed once per weight tensor (cached): bf16 x bf16 with AVX512-BF16
// vdpbf16ps, every other dtype pair widened to f32 at packing and run by the f32 FMA kernel of
// the best ISA (AVX-512, AVX2+FMA, or the portable one). Reference: test/reference/linear.ts.
#include "../../native/thread-pool.h"
#include "common.h"
#include "gemm.h"
#include "ops.h"

namespace xemb::cpu {

status linear(const linear_params & p, const exec_ctx & ctx) {
    const int64_t M = p.m, N = p.n, K = p.k;
    if (M == 0 || N == 0) return status::success();
    gemm_out c{p.out.data(), p.out.type, N, p.has_bias ? p.bias.data() : nullptr, p.has_bias ? p.bias.type : dtype::f32};
    if (K == 0) {
        gemm_fill_bias(M, N, c);
        return status::success();
    }
    const gemm_operand a{p.x.data(), p.x.type, K, 1};
    if (M <= gemv_max_m) return gemv(M, N, K, a, p.w.data(), p.w.type, K, c, *ctx.pool);
    std::shared_ptr<const packed_b> packed;
    XEMB_RETURN_IF_ERROR(cached_packed_weights(p.w, gemm_isa_for(p.x.type, p.w.type), *ctx.pool, packed));
    return gemm_packed(M, a, *packed, c, *ctx.pool);
}

}  // namespace xemb::cpu
