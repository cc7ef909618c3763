// Warp-level tensor-core MMA: D(16x8, f32) = A(16x16, f16|bf16) * B(16x8, f16|bf16) + C(16x8, f32),
// one instruction per warp, plus the f32 -> f16x2/bf16x2 packing that builds A/B fragments from
// f32 values (e.g. softmax probabilities). Real PTX under nvcc; under XEMB_CUDA_EMU the same
// names run kernels/emu/tensor-core.h on all 32 lanes at once. Layouts: reference/
// ptx-warp-primitives.md section 1; PTX ISA 9.0 9.7.14.5.8 (fragments), 9.7.14.5.14 (mma).
//
// Fragments (g = lane >> 2, t = lane & 3; 16-bit registers hold the LOWER column/k in bits 15:0):
//   A a[r], r = 0..3, half h: A[g + 8*(r & 1)][2t + h + 8*(r >> 1)]   (a[1] = rows 8..15, a[2] = k 8..15)
//   B b[r], r = 0..1, half h: B[k = 2t + h + 8r][n = g]              (two consecutive k of column g)
//   C/D c[i], i = 0..3:      C[g + 8*(i >> 1)][2t + (i & 1)]         (c0, c1 row g; c2, c3 row g+8)
// Register order everywhere = asm operand order ({%a0..%a3}, {%b0, %b1}, {%c0..%c3}); the
// wrappers below never reorder. Requires sm_80 (ptxas rejects a use on older targets).
#pragma once
#include <cstdint>

#if defined(XEMB_CUDA_EMU)
#include "../../emu/tensor-core.h"
#elif !defined(__CUDACC__)
#error "kernels/cuda/prim/mma.cuh: compile with nvcc, or with XEMB_CUDA_EMU for the cuda-emu backend"
#endif

#ifndef XEMB_PRIM_INLINE
#if defined(XEMB_CUDA_EMU)
#define XEMB_PRIM_INLINE inline
#else
#define XEMB_PRIM_INLINE __device__ __forceinline__
#endif
#endif

namespace xemb::prim {

// Two 16-bit patterns in one register: `lo` -> bits 15:0 (lower index), `hi` -> bits 31:16.
XEMB_PRIM_INLINE uint32_t pack_u16x2(uint16_t lo, uint16_t hi) { return static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16); }

#if defined(XEMB_CUDA_EMU)

namespace detail {
template <emu::mma_kind K>
inline void mma_warp(const void * in_all, void * out_all) {
    emu::emu_mma_m16n8k16(K, static_cast<const emu::mma_lane_in *>(in_all), static_cast<float (*)[4]>(out_all));
}

template <emu::mma_kind K>
inline void mma_lane(const char * what, float d[4], const uint32_t a[4], const uint32_t b[2], const float c[4]) {
    emu::mma_lane_in in;
    for (int i = 0; i < 4; ++i) in.a[i] = a[i], in.c[i] = c[i];
    for (int i = 0; i < 2; ++i) in.b[i] = b[i];
    float out[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    emu::warp_collective_call(what, &mma_warp<K>, &in, sizeof in, out, sizeof out);
    for (int i = 0; i < 4; ++i) d[i] = out[i];  // d may alias c: c was copied into `in` first
}
}  // namespace detail

// PTX 9.7.14.5.14 mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
inline void mma_m16n8k16_f16(float d[4], const uint32_t a[4], const uint32_t b[2], const float c[4]) {
    detail::mma_lane<emu::mma_kind::f16>("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", d, a, b, c);
}

// PTX 9.7.14.5.14 mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
inline void mma_m16n8k16_bf16(float d[4], const uint32_t a[4], const uint32_t b[2], const float c[4]) {
    detail::mma_lane<emu::mma_kind::bf16>("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32", d, a, b, c);
}

// PTX 9.7.9.21 cvt.rn.f16x2.f32 semantics (= __floats2half2_rn(lo, hi)): RNE each, lo -> bits 15:0
inline uint32_t pack_f16x2_rn(float lo, float hi) { return emu::pack_f16x2_rn(lo, hi); }

// PTX 9.7.9.21 cvt.rn.bf16x2.f32 semantics (= __floats2bfloat162_rn(lo, hi)): RNE each, lo -> bits 15:0
inline uint32_t pack_bf16x2_rn(float lo, float hi) { return emu::pack_bf16x2_rn(lo, hi); }

#else  // nvcc

// PTX 9.7.14.5.14 mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 (sm_80)
__device__ __forceinline__ void mma_m16n8k16_f16(float d[4], const uint32_t a[4], const uint32_t b[2], const float c[4]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

// PTX 9.7.14.5.14 mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 (sm_80)
__device__ __forceinline__ void mma_m16n8k16_bf16(float d[4], const uint32_t a[4], const uint32_t b[2], const float c[4]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

// PTX 9.7.9.21 cvt.rn.f16x2.f32 d, a, b puts cvt(a) in d[31:16] and cvt(b) in d[15:0], so the
// operands are passed (hi, lo): the result has `lo` in bits 15:0 like __floats2half2_rn(lo, hi).
__device__ __forceinline__ uint32_t pack_f16x2_rn(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

// PTX 9.7.9.21 cvt.rn.bf16x2.f32, same operand swap as above (CUDA's own __floats2bfloat162_rn does it too).
__device__ __forceinline__ uint32_t pack_bf16x2_rn(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

#endif

}  // namespace xemb::prim
