// Kernel launch: the only place a raw <<<>>> appears (CUDA C++ Programming Guide, "Execution
// Configuration"). Launch-configuration errors come back as a status naming the kernel, never
// an abort; empty grids launch nothing.
#pragma once
#include <cuda_runtime.h>

#include <string>
#include <utility>

#include "../../../native/status.h"

namespace xemb::cuda {

status status_from_cuda(cudaError_t e, const char * what);

template <class... KArgs, class... Args>
status launch(const char * name, void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream, Args &&... args) {
    if (grid.x == 0 || grid.y == 0 || grid.z == 0) return status::success();
    kernel<<<grid, block, smem, stream>>>(std::forward<Args>(args)...);
    return status_from_cuda(cudaGetLastError(), name);
}

// 1-D grid for `n` items with `threads` per block, capped so grid-stride loops cover the rest.
inline dim3 grid_for(int64_t n, int threads, int64_t max_blocks = 65536) {
    int64_t b = (n + threads - 1) / threads;
    if (b > max_blocks) b = max_blocks;
    return dim3(static_cast<unsigned>(b));
}

}  // namespace xemb::cuda
