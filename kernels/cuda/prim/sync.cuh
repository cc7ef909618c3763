// Block and warp barriers.
#pragma once

#if defined(XEMB_CUDA_EMU)
#include "../../emu/warp.h"
#include "emu-compat.h"

namespace xemb::prim {
inline namespace emu_host {
// __syncthreads: Guide "Synchronization Functions"; PTX ISA "bar.sync" (barrier 0, whole block).
inline void syncthreads(XEMB_PRIM_SITE_PARAMS) { ::xemb::emu::barrier(XEMB_PRIM_SITE); }
// __syncwarp(mask): Guide "Synchronization Functions"; PTX ISA "bar.warp.sync" (sheet 5.5).
inline void syncwarp(unsigned mask = 0xffffffffu, XEMB_PRIM_SITE_PARAMS) { ::xemb::emu::syncwarp(mask, XEMB_PRIM_SITE); }
}  // namespace emu_host
}  // namespace xemb::prim

#elif defined(__CUDACC__)

namespace xemb::prim {
// __syncthreads: Guide "Synchronization Functions"; PTX ISA "bar.sync".
__device__ __forceinline__ void syncthreads() { __syncthreads(); }
// __syncwarp(mask): Guide "Synchronization Functions"; PTX ISA "bar.warp.sync".
__device__ __forceinline__ void syncwarp(unsigned mask = 0xffffffffu) { __syncwarp(mask); }
}  // namespace xemb::prim

#else
#error "kernels/cuda/prim/ needs nvcc (__CUDACC__) or the emulator build (XEMB_CUDA_EMU)"
#endif
