// copy: out = x laid out contiguously (same dtype), x any strides.
// Variants: rows of the (coalesced) innermost dim, memcpy when x's inner stride is 1; and for
// transpose-like views (x's inner stride != 1 but an outer dim has stride 1, e.g. the contiguous()
// of a transpose) a tiled copy: 64 x 64 element tiles, so that both the strided reads and the
// strided writes of a tile stay in L1 instead of touching one cache line per element (full tiles
// of 4-byte elements leave the buffer as SSE2 4 x 4 register transposes).
#include <xmmintrin.h>

#include <cstring>

#include "../../native/thread-pool.h"
#include "common.h"
#include "ops.h"

namespace xemb::cpu {

namespace {
template <size_t N> struct bytes_t { unsigned char b[N]; };

constexpr int64_t tile = 64;

// The second half of a full tile of 4-byte elements: dst[i * ds + j] = buf[j * tile + i] for
// i, j < tile, as 4 x 4 SSE2 register transposes (baseline x86-64); buf rows are 256 bytes apart,
// so the four rows of a block never share a cache set.
template <class T>
void transpose_from_buf4(const T * buf, T * dst, int64_t ds) {
    const float * b = reinterpret_cast<const float *>(buf);
    for (int64_t i = 0; i < tile; i += 4) {
        float * d0 = reinterpret_cast<float *>(dst + i * ds);
        for (int64_t j = 0; j < tile; j += 4) {
            __m128 r0 = _mm_loadu_ps(b + j * tile + i), r1 = _mm_loadu_ps(b + (j + 1) * tile + i);
            __m128 r2 = _mm_loadu_ps(b + (j + 2) * tile + i), r3 = _mm_loadu_ps(b + (j + 3) * tile + i);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(d0 + j, r0);
            _mm_storeu_ps(d0 + ds + j, r1);
            _mm_storeu_ps(d0 + 2 * ds + j, r2);
            _mm_storeu_ps(d0 + 3 * ds + j, r3);
        }
    }
}

// out[plane][i][j] = x[plane][j][i] where dim k of the walker has x stride 1 and the last dim has
// out stride 1; false when the view is not of that shape (or too small to gain from tiling).
template <class T>
bool tiled_transpose(const row_walker & w, const T * src, T * dst, thread_pool & pool) {
    const int r = w.rank;
    if (r < 2 || w.strides[1][r - 1] == 1) return false;
    int k = -1;
    for (int d = r - 2; d >= 0 && k < 0; --d)
        if (w.strides[1][d] == 1) k = d;
    if (k < 0) return false;
    const int64_t rows = w.dims[k], cols = w.dims[r - 1];
    if (rows < 16 || cols < 16) return false;
    const int64_t os_k = w.strides[0][k], xs_c = w.strides[1][r - 1];
    int pd[max_rank];
    int np = 0;
    int64_t planes = 1;
    for (int d = 0; d < r - 1; ++d)
        if (d != k) {
            pd[np++] = d;
            planes *= w.dims[d];
        }
    const int64_t tr = (rows + tile - 1) / tile, tc = (cols + tile - 1) / tile;
    pool.parallel_for(planes * tr * tc, 4, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            int64_t plane = t / (tr * tc), rest = t - plane * (tr * tc);
            const int64_t i0 = (rest / tc) * tile, j0 = (rest % tc) * tile;
            int64_t oo = 0, xo = 0;
            for (int q = np - 1; q >= 0; --q) {
                const int d = pd[q];
                const int64_t c = plane % w.dims[d];
                plane /= w.dims[d];
                oo += c * w.strides[0][d];
                xo += c * w.strides[1][d];
            }
            const int64_t i1 = i0 + tile < rows ? i0 + tile : rows, j1 = j0 + tile < cols ? j0 + tile : cols;
            // through an L1 buffer: whole source rows in, whole output rows out (strided walks
            // over power-of-two strides would land every line of a tile in one cache set)
            T buf[tile * tile];
            for (int64_t j = j0; j < j1; ++j) {
                const T * s = src + xo + j * xs_c;
                for (int64_t i = i0; i < i1; ++i) buf[(j - j0) * tile + (i - i0)] = s[i];
            }
            if constexpr (sizeof(T) == 4) {
                if (i1 - i0 == tile && j1 - j0 == tile) {
                    transpose_from_buf4(buf, dst + oo + i0 * os_k + j0, os_k);
                    continue;
                }
            }
            for (int64_t i = i0; i < i1; ++i) {
                T * d = dst + oo + i * os_k;
                for (int64_t j = j0; j < j1; ++j) d[j] = buf[(j - j0) * tile + (i - i0)];
            }
        }
    });
    return true;
}
}  // namespace

status copy(const copy_params & p, const exec_ctx & ctx) {
    const shape_t out_strides = contiguous_strides(p.out.shape);
    const shape_t * st[2] = {&out_strides, &p.x.strides};
    row_walker w(p.out.shape, st, 2);
    const int64_t len = w.row_len(), si = w.inner_stride(1);
    auto run = [&](auto tag) {
        using T = decltype(tag);
        const T * src = p.x.ptr<T>();
        T * dst = p.out.ptr<T>();
        if (tiled_transpose(w, src, dst, *ctx.pool)) return;
        ctx.pool->parallel_for(w.rows(), row_grain(len), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const T * s = src + w.row_offset(1, r);
                T * d = dst + w.row_offset(0, r);
                if (si == 1) std::memcpy(d, s, static_cast<size_t>(len) * sizeof(T));
                else for (int64_t i = 0; i < len; ++i) d[i] = s[i * si];
            }
        });
    };
    switch (dtype_size(p.x.type)) {
        case 1: run(bytes_t<1>{}); break;
        case 2: run(bytes_t<2>{}); break;
        case 4: run(bytes_t<4>{}); break;
        default: run(bytes_t<8>{}); break;
    }
    return status::success();
}

}  // namespace xemb::cpu
