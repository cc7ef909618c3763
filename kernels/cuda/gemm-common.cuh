// Helpers shared by the linear kernels (gemm-tc.cuh, gemm-gemv.cuh): the bias read in the
// epilogue (bias may have any float dtype, chosen at run time so the kernels are not instantiated
// per bias dtype), the mma for a 16-bit operand type, and exact unpacking of 16-bit pairs.
#pragma once
#include "common.cuh"
#include "prim/ldmatrix.cuh"
#include "prim/mma.cuh"

// Loop unrolling hints for nvcc; the emulator build (g++) has no use for them.
#if defined(XEMB_CUDA_EMU)
#define XEMB_UNROLL
#define XEMB_UNROLL_N(n)
#else
#define XEMB_UNROLL _Pragma("unroll")
#define XEMB_UNROLL_N(n) _Pragma(XEMB_UNROLL_STR(unroll n))
#define XEMB_UNROLL_STR(x) #x
#endif

namespace xemb::cuda::gemm {

// bias_type: -1 none, else a dtype value (f32, f16 or bf16)
XEMB_HD float load_bias(const void * bias, int bias_type, int64_t n) {
    if (bias_type < 0) return 0.0f;
    switch (static_cast<dtype>(bias_type)) {
        case dtype::f32: return static_cast<const float *>(bias)[n];
        case dtype::f16: return f16_to_f32(static_cast<const uint16_t *>(bias)[n]);
        case dtype::bf16: return bf16_to_f32(static_cast<const uint16_t *>(bias)[n]);
        default: return 0.0f;
    }
}

template <class T>
XEMB_PRIM_INLINE void mma_16816(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    if constexpr (std::is_same_v<T, bf16_t>) prim::mma_m16n8k16_bf16(d, a, b, d);
    else prim::mma_m16n8k16_f16(d, a, b, d);
}

// ldmatrix.x4 of the lane's 16-byte row at element `off` of the shared array `smem` (the
// emulator's race checker records the row as this lane's read).
template <class S>
XEMB_PRIM_INLINE void ldsm_x4(S & smem, int off, uint32_t r[4]) {
    prim::ldmatrix_x4(r, prim::raw(smem) + off);
}

// The low / high 16-bit element of a packed pair as f32, exactly. bf16 is the top half of an f32.
// f16: the magnitude bits shifted into f32 position read as 2^(e - 127) * 1.m (or a denormal),
// and one multiply by 2^112 rebiases to 2^(e - 15) exactly, subnormal halves included; the
// exponent-31 codes (inf, NaN) are patched to the f32 inf/NaN exponent instead.
template <class T>
XEMB_HD float unpack_lo(uint32_t v);
template <class T>
XEMB_HD float unpack_hi(uint32_t v);

XEMB_HD float f16_bits_to_f32(uint32_t h) {
    const uint32_t mag = (h & 0x7fffu) << 13;
    uint32_t bits = f32_bits(f32_from_bits(mag) * 0x1p112f);
    if ((h & 0x7c00u) == 0x7c00u) bits = mag | 0x70000000u;
    return f32_from_bits(bits | ((h & 0x8000u) << 16));
}

template <>
XEMB_HD float unpack_lo<bf16_t>(uint32_t v) { return f32_from_bits(v << 16); }
template <>
XEMB_HD float unpack_hi<bf16_t>(uint32_t v) { return f32_from_bits(v & 0xffff0000u); }
template <>
XEMB_HD float unpack_lo<f16_t>(uint32_t v) { return f16_bits_to_f32(v & 0xffffu); }
template <>
XEMB_HD float unpack_hi<f16_t>(uint32_t v) { return f16_bits_to_f32(v >> 16); }

}  // namespace xemb::cuda::gemm
