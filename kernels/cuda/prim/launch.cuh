// Kernel launch: the only place a raw <<<>>> appears (CUDA C++ Programming Guide, "Execution
// Configuration"). Launch-configuration errors come back as a status naming the kernel, never
// an abort; empty grids launch nothing. Under the emulator (XEMB_CUDA_EMU) the kernel runs to
// completion in kernels/emu before launch returns, and kernel bugs it detects (races, barrier
// divergence, bad warp masks, out-of-range shared indices) come back as the status. Launches
// asking for more than 48 KiB of dynamic shared memory make the opt-in that needs.
#pragma once
#if defined(XEMB_CUDA_EMU)
#include "emu-compat.h"
#include <tuple>
#else
#include <cuda_runtime.h>
#endif

#include <string>
#include <utility>

#include "../../../native/status.h"

namespace xemb::cuda {

#if defined(XEMB_CUDA_EMU)

template <class... KArgs, class... Args>
status launch(const char * name, void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t, Args &&... args) {
    static_assert(sizeof...(KArgs) == sizeof...(Args), "launch: wrong number of kernel arguments");
    if (grid.x == 0 || grid.y == 0 || grid.z == 0) return status::success();
    // Arguments are converted to the parameter types once, as cudaLaunchKernel copies them into
    // the parameter buffer; every thread then receives its own copy.
    struct bound {
        void (*kernel)(KArgs...);
        std::tuple<KArgs...> args;
    } b{kernel, std::tuple<KArgs...>(std::forward<Args>(args)...)};
    auto call = [](void * p) {
        auto * c = static_cast<bound *>(p);
        std::apply(c->kernel, c->args);
    };
    return ::xemb::emu::run_kernel(name, grid, block, smem, sizeof(b.args), call, &b);
}

// The emulator models sm_90: 227 KiB of dynamic shared memory per block after the opt-in.
inline size_t max_dynamic_shared() { return 232448; }

#else

status status_from_cuda(cudaError_t e, const char * what);

// Dynamic shared memory a block of the current device may use after the opt-in
// (cudaDevAttrMaxSharedMemoryPerBlockOptin: 227 KiB on sm_90, 163 KiB on sm_80, 99 KiB on
// sm_86/89). Kernels that size their tiles by it pick a variant before launching.
size_t max_dynamic_shared();

template <class... KArgs, class... Args>
status launch(const char * name, void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream, Args &&... args) {
    if (grid.x == 0 || grid.y == 0 || grid.z == 0) return status::success();
    if (smem > 49152) {
        // above 48 KiB a kernel must opt in (Guide, "Shared Memory"); idempotent and cheap
        cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
        if (e != cudaSuccess) {
            (void)cudaGetLastError();
            return make_status(status_code::unsupported, std::string(name) + ": needs " + std::to_string(smem) +
                                                             " bytes of dynamic shared memory; this device allows at most " + std::to_string(max_dynamic_shared()));
        }
    }
    kernel<<<grid, block, smem, stream>>>(std::forward<Args>(args)...);
    return status_from_cuda(cudaGetLastError(), name);
}

#endif

// 1-D grid for `n` items with `threads` per block, capped so grid-stride loops cover the rest.
inline dim3 grid_for(int64_t n, int threads, int64_t max_blocks = 65536) {
    int64_t b = (n + threads - 1) / threads;
    if (b > max_blocks) b = max_blocks;
    return dim3(static_cast<unsigned>(b));
}

}  // namespace xemb::cuda
