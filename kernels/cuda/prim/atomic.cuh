// Atomics on global or shared addresses (Guide "Atomic Functions"; PTX ISA "atom", "atom.cas").
// T: int32_t, uint32_t, int64_t, uint64_t, float, double. Each returns the value before the update.
// Integer add wraps. Float max/min are a CAS loop, identical on the GPU and under the emulator:
// a NaN argument changes nothing, a NaN in memory stays, and +0 does not replace -0 (or back).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#define XEMB_PRIM_ATOMIC_TYPE(T)                                                                                              \
    static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, int64_t> ||              \
                      std::is_same_v<T, uint64_t> || std::is_same_v<T, float> || std::is_same_v<T, double>,              \
                  "atomics take int32_t, uint32_t, int64_t, uint64_t, float or double")

#if defined(XEMB_CUDA_EMU)
#include "../../emu/atomic.h"
#include "emu-compat.h"
#define XEMB_PRIM_FN inline
namespace xemb::prim {
inline namespace emu_host {
// atomicCAS (PTX atom.cas.b32/.b64): float/double compare bit patterns
template <class T>
inline T atomic_cas(T * p, T compare, T v) { XEMB_PRIM_ATOMIC_TYPE(T); return ::xemb::emu::atomic_cas(p, compare, v); }
// atomicAdd (PTX atom.add)
template <class T>
inline T atomic_add(T * p, T v) { XEMB_PRIM_ATOMIC_TYPE(T); return ::xemb::emu::atomic_add(p, v); }
namespace detail {
template <class T> inline T atomic_max_int(T * p, T v) { return ::xemb::emu::atomic_max(p, v); }
template <class T> inline T atomic_min_int(T * p, T v) { return ::xemb::emu::atomic_min(p, v); }
template <class T> inline bool same_bits(T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }
}  // namespace detail
}  // namespace emu_host
}  // namespace xemb::prim

#elif defined(__CUDACC__)
#define XEMB_PRIM_FN __device__ __forceinline__
namespace xemb::prim {
// atomicCAS (PTX atom.cas.b32/.b64): float/double compare bit patterns
template <class T>
__device__ __forceinline__ T atomic_cas(T * p, T compare, T v) {
    XEMB_PRIM_ATOMIC_TYPE(T);
    if constexpr (std::is_same_v<T, float>) return __int_as_float(atomicCAS(reinterpret_cast<int *>(p), __float_as_int(compare), __float_as_int(v)));
    else if constexpr (std::is_same_v<T, double>)
        return __longlong_as_double(static_cast<long long>(atomicCAS(reinterpret_cast<unsigned long long *>(p), static_cast<unsigned long long>(__double_as_longlong(compare)),
                                                                     static_cast<unsigned long long>(__double_as_longlong(v)))));
    else if constexpr (sizeof(T) == 8)
        return static_cast<T>(atomicCAS(reinterpret_cast<unsigned long long *>(p), static_cast<unsigned long long>(compare), static_cast<unsigned long long>(v)));
    else return atomicCAS(p, compare, v);
}
// atomicAdd (PTX atom.add); 64-bit integers through the unsigned long long overload (same bits)
template <class T>
__device__ __forceinline__ T atomic_add(T * p, T v) {
    XEMB_PRIM_ATOMIC_TYPE(T);
    if constexpr (std::is_integral_v<T> && sizeof(T) == 8)
        return static_cast<T>(atomicAdd(reinterpret_cast<unsigned long long *>(p), static_cast<unsigned long long>(v)));
    else return atomicAdd(p, v);
}
namespace detail {
// atomicMax / atomicMin (PTX atom.max/.min .s32/.u32/.s64/.u64)
template <class T>
__device__ __forceinline__ T atomic_max_int(T * p, T v) {
    if constexpr (std::is_same_v<T, int64_t>) return static_cast<T>(atomicMax(reinterpret_cast<long long *>(p), static_cast<long long>(v)));
    else if constexpr (std::is_same_v<T, uint64_t>) return static_cast<T>(atomicMax(reinterpret_cast<unsigned long long *>(p), static_cast<unsigned long long>(v)));
    else return atomicMax(p, v);
}
template <class T>
__device__ __forceinline__ T atomic_min_int(T * p, T v) {
    if constexpr (std::is_same_v<T, int64_t>) return static_cast<T>(atomicMin(reinterpret_cast<long long *>(p), static_cast<long long>(v)));
    else if constexpr (std::is_same_v<T, uint64_t>) return static_cast<T>(atomicMin(reinterpret_cast<unsigned long long *>(p), static_cast<unsigned long long>(v)));
    else return atomicMin(p, v);
}
template <class T>
__device__ __forceinline__ bool same_bits(T a, T b) {
    if constexpr (sizeof(T) == 4) return __float_as_int(a) == __float_as_int(b);
    else return __double_as_longlong(a) == __double_as_longlong(b);
}
}  // namespace detail
}  // namespace xemb::prim

#else
#error "kernels/cuda/prim/ needs nvcc (__CUDACC__) or the emulator build (XEMB_CUDA_EMU)"
#endif

// Shared by both builds, so the GPU and the emulator run the same float max/min algorithm.
namespace xemb::prim {
#if defined(XEMB_CUDA_EMU)
inline namespace emu_host {
#endif
namespace detail {
// CAS loop: read atomically (a CAS of +0 over +0 changes nothing), then swap in v while it
// beats the current value and nobody changed it meanwhile.
template <bool Max, class T>
XEMB_PRIM_FN T atomic_fminmax(T * p, T v) {
    T old = atomic_cas(p, T(0), T(0));
    while (Max ? v > old : v < old) {
        const T seen = atomic_cas(p, old, v);
        if (same_bits(seen, old)) break;
        old = seen;
    }
    return old;
}
}  // namespace detail
// atomicMax (integers: PTX atom.max; float/double: CAS loop)
template <class T>
XEMB_PRIM_FN T atomic_max(T * p, T v) {
    XEMB_PRIM_ATOMIC_TYPE(T);
    if constexpr (std::is_floating_point_v<T>) return detail::atomic_fminmax<true>(p, v);
    else return detail::atomic_max_int(p, v);
}
// atomicMin (integers: PTX atom.min; float/double: CAS loop)
template <class T>
XEMB_PRIM_FN T atomic_min(T * p, T v) {
    XEMB_PRIM_ATOMIC_TYPE(T);
    if constexpr (std::is_floating_point_v<T>) return detail::atomic_fminmax<false>(p, v);
    else return detail::atomic_min_int(p, v);
}
#if defined(XEMB_CUDA_EMU)
}  // namespace emu_host
#endif
}  // namespace xemb::prim
