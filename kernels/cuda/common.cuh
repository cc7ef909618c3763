// Shared CUDA helpers: element types (native/elem.h), dtype dispatch and strided indexing, and
// the primitive surface (prim/) every kernel uses. The same sources build with nvcc and, with
// XEMB_CUDA_EMU defined, with the host compiler against kernels/emu (the cuda-emu backend).
#pragma once
#if defined(XEMB_CUDA_EMU)
#include "prim/emu-compat.h"
#else
#include <cuda_runtime.h>
#endif

#include "../../native/elem.h"
#include "../../native/registry.h"
#include "../../native/tensor.h"
#include "prim/atomic.cuh"
#include "prim/index.cuh"
#include "prim/launch.cuh"
#include "prim/shared.cuh"
#include "prim/sync.cuh"
#include "prim/warp.cuh"

namespace xemb::cuda {

// Shape and per-operand strides passed by value to kernels (fits the 4 KB parameter limit).
struct nd_index {
    int rank = 0;
    int64_t dims[max_rank];
    int64_t strides[3][max_rank];

    // element offset of operand `o` for the row-major linear index `i` over dims
    __device__ __forceinline__ int64_t offset(int o, int64_t i) const {
        int64_t off = 0;
        for (int d = rank - 1; d >= 0; --d) {
            int64_t q = i / dims[d];
            off += (i - q * dims[d]) * strides[o][d];
            i = q;
        }
        return off;
    }
};

inline nd_index make_nd(const shape_t & shape, const shape_t * const * strides, int ops) {
    nd_index r;
    r.rank = shape.rank;
    for (int d = 0; d < shape.rank; ++d) {
        r.dims[d] = shape[d];
        for (int o = 0; o < ops; ++o) r.strides[o][d] = (*strides[o])[d];
    }
    return r;
}

// for (i = global thread index; i < n; i += grid size) f(i), with 64-bit indices
template <class F>
__device__ __forceinline__ void grid_stride(int64_t n, F && f) {
    const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) f(i);
}

// Warp-wide best (v, i) under better(v_other, i_other, v, i): after it, lane 0 holds the best of
// the warp (argmax-like reductions that carry an index and break ties by it).
template <class V, class Better>
__device__ __forceinline__ void warp_best(V & v, int64_t & i, Better better) {
    for (int off = 16; off > 0; off >>= 1) {
        const V ov = prim::shfl_down_sync(0xffffffffu, v, off);
        const int64_t oi = prim::shfl_down_sync(0xffffffffu, i, off);
        if (better(ov, oi, v, i)) {
            v = ov;
            i = oi;
        }
    }
}

inline cudaStream_t stream_of(const exec_ctx & ctx) { return static_cast<cudaStream_t>(ctx.stream); }

}  // namespace xemb::cuda
