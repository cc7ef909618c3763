// Shared memory (CUDA C++ Programming Guide, "__shared__" and "Shared Memory"; PTX ISA ".shared").
//   XEMB_SHARED(float, tile, 16, 17);            static: __shared__ float tile[16][17];
//   XEMB_SHARED_ALIGNED(16, half, a, 64, 72);    with __align__(16), e.g. for ldmatrix rows
//   auto s = xemb::prim::dynamic_shared<float>(); the launch's dynamic shared memory
//   xemb::prim::raw(tile) / raw(s + k)           a plain T* (for atomics, ldmatrix, cp.async)
// Up to 4 dimensions. Under the emulator the names are proxies that bounds-check each index
// and record every access for the race checker (kernels/emu/shared.h): read elements into a
// typed variable (`float v = tile[i][j];`, not `auto`), and read/write struct elements whole.
#pragma once
#include <cstddef>
#include <type_traits>

#define XEMB_PRIM_NARGS(...) XEMB_PRIM_NARGS_(__VA_ARGS__, 4, 3, 2, 1, 0)
#define XEMB_PRIM_NARGS_(a, b, c, d, n, ...) n
#define XEMB_PRIM_CAT(a, b) XEMB_PRIM_CAT_(a, b)
#define XEMB_PRIM_CAT_(a, b) a##b
#define XEMB_PRIM_DIMS_1(a) [a]
#define XEMB_PRIM_DIMS_2(a, b) [a][b]
#define XEMB_PRIM_DIMS_3(a, b, c) [a][b][c]
#define XEMB_PRIM_DIMS_4(a, b, c, d) [a][b][c][d]
#define XEMB_PRIM_DIMS(...) XEMB_PRIM_CAT(XEMB_PRIM_DIMS_, XEMB_PRIM_NARGS(__VA_ARGS__))(__VA_ARGS__)

#if defined(XEMB_CUDA_EMU)
#include "../../emu/shared.h"
#include "emu-compat.h"

#define XEMB_SHARED(T, name, ...) XEMB_SHARED_ALIGNED(alignof(T), T, name, __VA_ARGS__)
#define XEMB_SHARED_ALIGNED(A, T, name, ...)                                                                                          \
    static constexpr ::xemb::emu::shared_site xemb_shared_site_##name{#name, sizeof(T), (A), {__VA_ARGS__}, XEMB_PRIM_NARGS(__VA_ARGS__)}; \
    const ::xemb::emu::sarray<T, __VA_ARGS__> name(::xemb::emu::shared_static(&xemb_shared_site_##name), &xemb_shared_site_##name)

namespace xemb::prim {
inline namespace emu_host {
// extern __shared__ T smem[] (Guide, "Shared Memory": dynamic size from the launch), as a
// bounds-checked pointer into the dynamic window.
template <class T>
inline ::xemb::emu::sptr<T> dynamic_shared() {
    size_t n = 0;
    return ::xemb::emu::sptr<T>(static_cast<T *>(::xemb::emu::shared_dynamic(&n)));
}
template <class T>
inline T * raw(const ::xemb::emu::sptr<T> & p) { return p.get(); }
template <class T, size_t... D>
inline T * raw(const ::xemb::emu::sarray<T, D...> & a) { return a.data(); }
template <class T>
inline T * raw(T * p) { return p; }
}  // namespace emu_host
}  // namespace xemb::prim

#elif defined(__CUDACC__)

#define XEMB_SHARED(T, name, ...) __shared__ T name XEMB_PRIM_DIMS(__VA_ARGS__)
#define XEMB_SHARED_ALIGNED(A, T, name, ...) __shared__ __align__(A) T name XEMB_PRIM_DIMS(__VA_ARGS__)

namespace xemb::prim {
// extern __shared__ (Guide, "Shared Memory"): one 16-byte aligned buffer sized by the launch.
template <class T>
__device__ __forceinline__ T * dynamic_shared() {
    extern __shared__ __align__(16) unsigned char xemb_dynamic_smem[];
    return reinterpret_cast<T *>(xemb_dynamic_smem);
}
// raw(p) for pointers; raw(array) gives the first element of any static array (not a pointer to
// its first row, which plain decay would give for 2-D arrays).
template <class T, class = std::enable_if_t<!std::is_array_v<T>>>
__device__ __forceinline__ T * raw(T * p) { return p; }
template <class A, class = std::enable_if_t<std::is_array_v<A>>>
__device__ __forceinline__ std::remove_all_extents_t<A> * raw(A & a) { return reinterpret_cast<std::remove_all_extents_t<A> *>(&a); }
}  // namespace xemb::prim

#else
#error "kernels/cuda/prim/ needs nvcc (__CUDACC__) or the emulator build (XEMB_CUDA_EMU)"
#endif
