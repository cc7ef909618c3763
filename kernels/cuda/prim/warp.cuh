// Warp shuffles and votes (Guide "Warp Shuffle Functions", "Warp Vote Functions"; PTX ISA
// "shfl.sync", "vote.sync"; exact lane arithmetic in reference/ptx-warp-primitives.md 5.2-5.3).
// T: 32- or 64-bit integers, float, double. `mask` names the participating lanes and must include
// the caller; every non-exited lane of it must make the same call. width: power of two <= 32.
#pragma once
#include <type_traits>

#define XEMB_PRIM_SHFL_TYPE(T) \
    static_assert(std::is_arithmetic_v<T> && (sizeof(T) == 4 || sizeof(T) == 8), "shuffles move 32- or 64-bit integers, float or double")

#if defined(XEMB_CUDA_EMU)
#include "../../emu/warp.h"
#include "emu-compat.h"

namespace xemb::prim {
inline namespace emu_host {
namespace emu = ::xemb::emu;
// __shfl_sync: source lane base + (src_lane & (width-1)) (PTX shfl.sync.idx)
template <class T>
inline T shfl_sync(unsigned mask, T v, int src_lane, int width = 32, XEMB_PRIM_SITE_PARAMS) {
    XEMB_PRIM_SHFL_TYPE(T);
    return emu::shfl(emu::shfl_mode::idx, mask, v, src_lane, width, XEMB_PRIM_SITE);
}
// __shfl_up_sync: lane - delta, own value below the segment base (PTX shfl.sync.up)
template <class T>
inline T shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32, XEMB_PRIM_SITE_PARAMS) {
    XEMB_PRIM_SHFL_TYPE(T);
    return emu::shfl(emu::shfl_mode::up, mask, v, static_cast<int>(delta), width, XEMB_PRIM_SITE);
}
// __shfl_down_sync: lane + delta, own value past the segment end (PTX shfl.sync.down)
template <class T>
inline T shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32, XEMB_PRIM_SITE_PARAMS) {
    XEMB_PRIM_SHFL_TYPE(T);
    return emu::shfl(emu::shfl_mode::down, mask, v, static_cast<int>(delta), width, XEMB_PRIM_SITE);
}
// __shfl_xor_sync: lane ^ lane_mask, own value past the segment end (PTX shfl.sync.bfly)
template <class T>
inline T shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32, XEMB_PRIM_SITE_PARAMS) {
    XEMB_PRIM_SHFL_TYPE(T);
    return emu::shfl(emu::shfl_mode::bfly, mask, v, lane_mask, width, XEMB_PRIM_SITE);
}
// __ballot_sync: bit n = lane n in mask, not exited, pred != 0 (PTX vote.sync.ballot.b32)
inline unsigned ballot_sync(unsigned mask, int pred, XEMB_PRIM_SITE_PARAMS) { return emu::vote(emu::vote_mode::ballot, mask, pred, XEMB_PRIM_SITE); }
// __any_sync (PTX vote.sync.any.pred)
inline int any_sync(unsigned mask, int pred, XEMB_PRIM_SITE_PARAMS) { return static_cast<int>(emu::vote(emu::vote_mode::any, mask, pred, XEMB_PRIM_SITE)); }
// __all_sync (PTX vote.sync.all.pred)
inline int all_sync(unsigned mask, int pred, XEMB_PRIM_SITE_PARAMS) { return static_cast<int>(emu::vote(emu::vote_mode::all, mask, pred, XEMB_PRIM_SITE)); }
}  // namespace emu_host
}  // namespace xemb::prim

#elif defined(__CUDACC__)

namespace xemb::prim {
// __shfl_sync (PTX shfl.sync.idx)
template <class T>
__device__ __forceinline__ T shfl_sync(unsigned mask, T v, int src_lane, int width = 32) { XEMB_PRIM_SHFL_TYPE(T); return __shfl_sync(mask, v, src_lane, width); }
// __shfl_up_sync (PTX shfl.sync.up)
template <class T>
__device__ __forceinline__ T shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) { XEMB_PRIM_SHFL_TYPE(T); return __shfl_up_sync(mask, v, delta, width); }
// __shfl_down_sync (PTX shfl.sync.down)
template <class T>
__device__ __forceinline__ T shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) { XEMB_PRIM_SHFL_TYPE(T); return __shfl_down_sync(mask, v, delta, width); }
// __shfl_xor_sync (PTX shfl.sync.bfly)
template <class T>
__device__ __forceinline__ T shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) { XEMB_PRIM_SHFL_TYPE(T); return __shfl_xor_sync(mask, v, lane_mask, width); }
// __ballot_sync (PTX vote.sync.ballot.b32)
__device__ __forceinline__ unsigned ballot_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred); }
// __any_sync (PTX vote.sync.any.pred)
__device__ __forceinline__ int any_sync(unsigned mask, int pred) { return __any_sync(mask, pred); }
// __all_sync (PTX vote.sync.all.pred)
__device__ __forceinline__ int all_sync(unsigned mask, int pred) { return __all_sync(mask, pred); }
}  // namespace xemb::prim

#else
#error "kernels/cuda/prim/ needs nvcc (__CUDACC__) or the emulator build (XEMB_CUDA_EMU)"
#endif
