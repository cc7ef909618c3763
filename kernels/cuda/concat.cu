// concat: out [outer, sum_k s_k, inner] <- tensors[k] [outer, s_k, inner] (torch.cat): one row
// copy launch per input (rows.cuh), rows of s_k * inner elements at column offset sum_{j<k} s_j,
// in the widest word the row starts allow.
#include "ops.cuh"
#include "rows.cuh"

namespace xemb::cuda {

status concat(const concat_params & p, const exec_ctx & ctx) {
    const uint64_t es = dtype_size(p.out.type);
    const int64_t out_row = p.out.shape[p.dim] * p.inner * static_cast<int64_t>(es);  // bytes
    int64_t col = 0;                                                                  // bytes
    for (const tensor & t : p.xs) {
        const int64_t len = t.shape[p.dim] * p.inner * static_cast<int64_t>(es);
        if (len > 0 && p.outer > 0) {
            const char * src = static_cast<const char *>(t.data());
            char * dst = static_cast<char *>(p.out.data()) + col;
            const int w = word_bytes({reinterpret_cast<uintptr_t>(src), reinterpret_cast<uintptr_t>(dst), static_cast<uint64_t>(len), static_cast<uint64_t>(out_row)});
            XEMB_RETURN_IF_ERROR(with_word_bytes(w, [&](auto tag) {
                using W = decltype(tag);
                const int64_t n = len / w, chunk = 4096;
                return launch("concat", copy_rows_kernel<W>, rows_grid(p.outer * ((n + chunk - 1) / chunk)), rows_block(n), 0, stream_of(ctx),
                              reinterpret_cast<const W *>(src), n, reinterpret_cast<W *>(dst), out_row / w, p.outer, n, chunk);
            }));
        }
        col += len;
    }
    return status::success();
}

}  // namespace xemb::cuda
