// Thread and block coordinates (Guide "Built-in Variables"; PTX ISA "Special Registers" %tid,
// %ctaid, %ntid, %nctaid). Warps are cut from the linear thread id (PTX ISA 3.1), so lane_id()
// is linear_tid() % 32, not threadIdx.x % 32, for 2-D/3-D blocks.
#pragma once

namespace xemb::prim {
#if defined(XEMB_CUDA_EMU)
inline namespace emu_host {
#endif
struct xyz {
    unsigned x, y, z;
};
#if defined(XEMB_CUDA_EMU)
}  // namespace emu_host
#endif
}  // namespace xemb::prim

#if defined(XEMB_CUDA_EMU)
#include "emu-compat.h"

namespace xemb::prim {
inline namespace emu_host {
inline xyz thread_idx() { const auto & v = ::xemb::emu::ident().tid; return {v.x, v.y, v.z}; }   // threadIdx, PTX %tid
inline xyz block_idx() { const auto & v = ::xemb::emu::ident().bid; return {v.x, v.y, v.z}; }    // blockIdx, PTX %ctaid
inline xyz block_dim() { const auto & v = ::xemb::emu::ident().bdim; return {v.x, v.y, v.z}; }   // blockDim, PTX %ntid
inline xyz grid_dim() { const auto & v = ::xemb::emu::ident().gdim; return {v.x, v.y, v.z}; }    // gridDim, PTX %nctaid
inline unsigned linear_tid() { return ::xemb::emu::ident().linear; }  // x + y*Dx + z*Dx*Dy (Guide "Thread Hierarchy")
inline unsigned lane_id() { return ::xemb::emu::ident().lane; }       // PTX %laneid
inline unsigned warp_id() { return ::xemb::emu::ident().warp; }       // warp of the block (not PTX %warpid)
}  // namespace emu_host
}  // namespace xemb::prim

#elif defined(__CUDACC__)

namespace xemb::prim {
__device__ __forceinline__ xyz thread_idx() { return {threadIdx.x, threadIdx.y, threadIdx.z}; }  // threadIdx, PTX %tid
__device__ __forceinline__ xyz block_idx() { return {blockIdx.x, blockIdx.y, blockIdx.z}; }     // blockIdx, PTX %ctaid
__device__ __forceinline__ xyz block_dim() { return {blockDim.x, blockDim.y, blockDim.z}; }     // blockDim, PTX %ntid
__device__ __forceinline__ xyz grid_dim() { return {gridDim.x, gridDim.y, gridDim.z}; }         // gridDim, PTX %nctaid
// x + y*Dx + z*Dx*Dy (Guide "Thread Hierarchy")
__device__ __forceinline__ unsigned linear_tid() { return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z); }
__device__ __forceinline__ unsigned lane_id() { return linear_tid() & 31u; }  // = PTX %laneid for our launches
__device__ __forceinline__ unsigned warp_id() { return linear_tid() >> 5; }   // warp of the block (not PTX %warpid)
}  // namespace xemb::prim

#else
#error "kernels/cuda/prim/ needs nvcc (__CUDACC__) or the emulator build (XEMB_CUDA_EMU)"
#endif
