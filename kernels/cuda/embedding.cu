// embedding: out[t, :] = table[ids[t], :] (torch.nn.functional.embedding). One block per output
// row, threads along D, rows moved in the widest word alignment allows (16 bytes for bf16 rows of
// 3584). Out-of-range ids: zero row, first bad position reported through rows.cuh's slot.
#include "ops.cuh"
#include "rows.cuh"

namespace xemb::cuda {

namespace {
template <class W>
__global__ void embedding_kernel(const void * ids, bool ids64, const W * table, int64_t row_stride, int64_t col_stride, int64_t v, W * out, int64_t rows,
                                 int64_t d, int64_t * bad) {
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const int64_t id = load_index(ids, ids64, r);
        W * o = out + r * d;
        if (id < 0 || id >= v) {
            if (threadIdx.x == 0) prim::atomic_min(bad, r);
            for (int64_t j = threadIdx.x; j < d; j += blockDim.x) o[j] = zero_word<W>();
            continue;
        }
        const W * s = table + id * row_stride;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) o[j] = s[j * col_stride];
    }
}
}  // namespace

status embedding(const embedding_params & p, const exec_ctx & ctx) {
    const int64_t rows = p.ids.numel();
    if (rows == 0) return status::success();
    bad_slot bad;
    XEMB_RETURN_IF_ERROR(make_bad_slot(ctx, bad));
    const uint64_t es = dtype_size(p.table.type);
    // a contiguous row may move as wider words when every row start stays aligned to them
    const int w = p.table.strides[1] == 1 && p.d > 0
                      ? word_bytes({reinterpret_cast<uintptr_t>(p.table.data()), reinterpret_cast<uintptr_t>(p.out.data()), static_cast<uint64_t>(p.d) * es,
                                    static_cast<uint64_t>(p.table.strides[0]) * es})
                      : static_cast<int>(es);
    const int64_t k = w / static_cast<int64_t>(es);  // elements per word
    status st = with_word_bytes(w, [&](auto tag) {
        using W = decltype(tag);
        const int64_t d = p.d / k;
        return launch("embedding", embedding_kernel<W>, rows_grid(rows), rows_block(d), 0, stream_of(ctx), p.ids.data(), p.ids.type == dtype::i64,
                      static_cast<const W *>(p.table.data()), p.table.strides[0] / k, k == 1 ? p.table.strides[1] : int64_t(1), p.v, static_cast<W *>(p.out.data()), rows, d,
                      bad.ptr);
    });
    XEMB_RETURN_IF_ERROR(st);
    return check_bad_slot(ctx, bad, "embedding", "ids", p.ids, p.v);
}

}  // namespace xemb::cuda
