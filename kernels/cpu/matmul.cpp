// matmul: out[..., m, n] = sum_k a[..., m, k] b[..., k, n], batch dims broadcast, any strides;
// f32 accumulation, one rounding. Per batch, b is packed into the GEMM core's panels (gemm.h;
// b is an activation here, so nothing is cached) and the blocked kernel of the best ISA runs
// over a read through its strides. Reference: test/reference/matmul.ts.
#include "../../native/thread-pool.h"
#include "common.h"
#include "gemm.h"
#include "ops.h"

namespace xemb::cpu {

namespace {

// Element offset of batch `bi` (row-major over the broadcast batch shape) in tensor t.
int64_t batch_offset(const tensor & t, const shape_t & batch, int64_t bi) {
    const int lead = batch.rank - (t.rank() - 2);
    int64_t off = 0;
    for (int d = batch.rank - 1; d >= 0; --d) {
        int64_t i = bi % batch[d];
        bi /= batch[d];
        int td = d - lead;
        if (td >= 0 && t.shape[td] != 1) off += i * t.strides[td];
    }
    return off;
}

}  // namespace

status matmul(const matmul_params & p, const exec_ctx & ctx) {
    const int64_t M = p.m, N = p.n, K = p.k;
    shape_t batch = p.out.shape;
    batch.rank -= 2;
    const int64_t nbatch = batch.numel();
    if (M == 0 || N == 0 || nbatch == 0) return status::success();
    const int ra = p.a.rank(), rb = p.b.rank();
    const size_t es = dtype_size(p.a.type);
    const gemm_isa & isa = gemm_isa_for(p.a.type, p.b.type);
    packed_b packed;
    int64_t packed_for = -1;  // offset of the b batch now in `packed` (broadcast b packs once)
    for (int64_t bi = 0; bi < nbatch; ++bi) {
        const int64_t ao = batch_offset(p.a, batch, bi), bo = batch_offset(p.b, batch, bi);
        gemm_out c{static_cast<char *>(p.out.data()) + static_cast<size_t>(bi * M * N) * es, p.out.type, N, nullptr, dtype::f32};
        if (K == 0) {
            gemm_fill_bias(M, N, c);
            continue;
        }
        const gemm_operand a{static_cast<const char *>(p.a.data()) + ao * static_cast<int64_t>(es), p.a.type, p.a.strides[ra - 2], p.a.strides[ra - 1]};
        // b as the GEMM's [N, K] operand: element (n, k) = b[k, n]
        const gemm_operand b{static_cast<const char *>(p.b.data()) + bo * static_cast<int64_t>(es), p.b.type, p.b.strides[rb - 1], p.b.strides[rb - 2]};
        if (M <= gemv_max_m && b.sk == 1) {
            XEMB_RETURN_IF_ERROR(gemv(M, N, K, a, b.data, b.type, b.si, c, *ctx.pool));
            continue;
        }
        if (packed_for != bo) {
            XEMB_RETURN_IF_ERROR(pack_b_all(isa, b, N, K, *ctx.pool, packed));
            packed_for = bo;
        }
        XEMB_RETURN_IF_ERROR(gemm_packed(M, a, packed, c, *ctx.pool));
    }
    return status::success();
}

}  // namespace xemb::cpu
