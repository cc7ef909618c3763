// What kernels/cuda/*.cu need from <cuda_runtime.h> when the host compiler builds them for the
// cuda-emu backend (XEMB_CUDA_EMU defined, g++ -x c++ -std=c++17 -ffp-contract=off). Included
// by common.cuh / prim/*.cuh instead of the CUDA headers; never by nvcc builds.
//
// Types live in xemb::emu and are aliased here, so these definitions never collide with CUDA's
// own in the one addon that links the real and the emulated kernels side by side.
#pragma once
#if !defined(XEMB_CUDA_EMU)
#error "prim/emu-compat.h is for the cuda-emu build (XEMB_CUDA_EMU); nvcc builds include <cuda_runtime.h>"
#endif
#include <cmath>
#include <cstdint>
#include <cstring>

#include "../../emu/emu.h"

// ---- execution space and declaration specifiers (CUDA C++ Programming Guide, "C++ Language
// Extensions"): on the host every function is host code.
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __constant__  // one copy shared by every thread, like constant memory

// Trip-wires: CUDA spellings that would silently mean something else on the host (a __shared__
// variable would be one static for all blocks) or bypass the emulator. They expand to names that
// do not exist, so the compiler points at the line; use kernels/cuda/prim/ instead.
#define __shared__ XEMB_use_XEMB_SHARED_from_prim_shared_cuh
#define __syncthreads XEMB_use_xemb_prim_syncthreads
#define __syncwarp XEMB_use_xemb_prim_syncwarp
#define __shfl_sync XEMB_use_xemb_prim_shfl_sync
#define __shfl_up_sync XEMB_use_xemb_prim_shfl_up_sync
#define __shfl_down_sync XEMB_use_xemb_prim_shfl_down_sync
#define __shfl_xor_sync XEMB_use_xemb_prim_shfl_xor_sync
#define __ballot_sync XEMB_use_xemb_prim_ballot_sync
#define __any_sync XEMB_use_xemb_prim_any_sync
#define __all_sync XEMB_use_xemb_prim_all_sync
#define atomicAdd XEMB_use_xemb_prim_atomic_add
#define atomicMax XEMB_use_xemb_prim_atomic_max
#define atomicMin XEMB_use_xemb_prim_atomic_min
#define atomicCAS XEMB_use_xemb_prim_atomic_cas

// ---- built-in variables (Guide, "Built-in Variables"): the running fiber's values. -------------
#define threadIdx (::xemb::emu::ident().tid)
#define blockIdx (::xemb::emu::ident().bid)
#define blockDim (::xemb::emu::ident().bdim)
#define gridDim (::xemb::emu::ident().gdim)

using dim3 = ::xemb::emu::dim3;
using uint3 = ::xemb::emu::uint3;
typedef struct CUstream_st * cudaStream_t;  // opaque, as in the CUDA runtime; the emulator runs synchronously

namespace xemb::emu::compat {

// ---- runtime error API (CUDA Runtime API, "Error Handling"): launches never leave an error. ---
enum cudaError { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2, cudaErrorInvalidConfiguration = 9, cudaErrorLaunchFailure = 719 };
inline cudaError cudaGetLastError() { return cudaSuccess; }
inline cudaError cudaPeekAtLastError() { return cudaSuccess; }
inline const char * cudaGetErrorName(cudaError e) { return e == cudaSuccess ? "cudaSuccess" : "cudaErrorEmulated"; }
inline const char * cudaGetErrorString(cudaError e) { return e == cudaSuccess ? "no error" : "error reported by the CUDA emulator"; }

constexpr int warpSize = 32;

// ---- exact IEEE arithmetic intrinsics (CUDA Math API, "Single/Double Precision Intrinsics"):
// one rounding each, never contracted into an FMA with a neighbouring operation. The empty asm
// makes each operand and result opaque to the optimiser, so even with -ffp-contract=fast (or
// -mfma) g++ cannot fuse across them.
template <class T>
inline T fp_fence(T v) {
#if defined(__x86_64__)
    __asm__("" : "+x"(v));
#elif defined(__aarch64__)
    __asm__("" : "+w"(v));
#else
    volatile T t = v;
    v = t;
#endif
    return v;
}
inline float __fadd_rn(float a, float b) { return fp_fence(fp_fence(a) + fp_fence(b)); }
inline float __fsub_rn(float a, float b) { return fp_fence(fp_fence(a) - fp_fence(b)); }
inline float __fmul_rn(float a, float b) { return fp_fence(fp_fence(a) * fp_fence(b)); }
inline float __fdiv_rn(float a, float b) { return fp_fence(fp_fence(a) / fp_fence(b)); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __dadd_rn(double a, double b) { return fp_fence(fp_fence(a) + fp_fence(b)); }
inline double __dsub_rn(double a, double b) { return fp_fence(fp_fence(a) - fp_fence(b)); }
inline double __dmul_rn(double a, double b) { return fp_fence(fp_fence(a) * fp_fence(b)); }
inline double __ddiv_rn(double a, double b) { return fp_fence(fp_fence(a) / fp_fence(b)); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }

// ---- bit reinterpretation (CUDA Math API, "Type Casting Intrinsics") --------------------------
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline int __float_as_int(float f) { int u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline long long __double_as_longlong(double d) { long long u; std::memcpy(&u, &d, 8); return u; }
inline double __longlong_as_double(long long u) { double d; std::memcpy(&d, &u, 8); return d; }

}  // namespace xemb::emu::compat

using cudaError_t = ::xemb::emu::compat::cudaError;
using namespace ::xemb::emu::compat;
// fmaf (a real fused multiply-add, like the device's FFMA) and trunc are the C library's, from
// <cmath>: glibc computes fmaf exactly even without an FMA instruction.

// Trailing parameters of the emulated primitives: g++ fills them with the caller's position, so
// reports name the barrier or shuffle a thread waits at ("kernels/cuda/matmul.cu:40").
#define XEMB_PRIM_SITE_PARAMS const char *xemb_file = __builtin_FILE(), int xemb_line = __builtin_LINE()
#define XEMB_PRIM_SITE (::xemb::emu::site{xemb_file, xemb_line})
