// Helpers shared by the nn kernels (norm, rope, activation, softmax): f32 loads/stores of any
// float dtype chosen at run time (one uniform branch per element keeps one kernel per op instead
// of a template per dtype combination), the "round to dtype and back" of an intermediate PyTorch
// tensor, and a block-wide sum/max through warp shuffles and one shared slot per warp.
#pragma once
#include <initializer_list>

#include "common.cuh"

namespace xemb::cuda::nn {

__device__ __forceinline__ float ld(const void * p, dtype t, int64_t i) {
    if (t == dtype::bf16) return bf16_to_f32(static_cast<const uint16_t *>(p)[i]);
    if (t == dtype::f16) return f16_to_f32(static_cast<const uint16_t *>(p)[i]);
    return static_cast<const float *>(p)[i];
}

__device__ __forceinline__ void st(void * p, dtype t, int64_t i, float v) {
    if (t == dtype::bf16) static_cast<uint16_t *>(p)[i] = f32_to_bf16(v);
    else if (t == dtype::f16) static_cast<uint16_t *>(p)[i] = f32_to_f16(v);
    else static_cast<float *>(p)[i] = v;
}

// v rounded to dtype t and widened back (exact no-op for f32)
__device__ __forceinline__ float rnd(dtype t, float v) {
    if (t == dtype::bf16) return bf16_to_f32(f32_to_bf16(v));
    if (t == dtype::f16) return f16_to_f32(f32_to_f16(v));
    return v;
}

// 16 bytes moved by one load/store instruction (8 halves or 4 floats): elementwise kernels
// stream aligned data in these, so each thread keeps 16 bytes per operand in flight
struct alignas(16) vec16 {
    uint32_t w[4];
};

// element e (of 16 / dtype_size(t)) of a 16-byte vector, widened to f32
__device__ __forceinline__ float vget(const vec16 & v, dtype t, int e) {
    if (t == dtype::f32) return __uint_as_float(v.w[e]);
    const uint16_t h = static_cast<uint16_t>(v.w[e >> 1] >> (16 * (e & 1)));
    return t == dtype::bf16 ? bf16_to_f32(h) : f16_to_f32(h);
}

// element e of a 16-byte vector set to f32 value x rounded to t
__device__ __forceinline__ void vset(vec16 & v, dtype t, int e, float x) {
    if (t == dtype::f32) {
        v.w[e] = __float_as_uint(x);
        return;
    }
    const uint32_t h = t == dtype::bf16 ? f32_to_bf16(x) : f32_to_f16(x);
    const int sh = 16 * (e & 1);
    v.w[e >> 1] = (v.w[e >> 1] & ~(0xffffu << sh)) | (h << sh);
}

// true when every pointer is 16-byte aligned (the vectorized paths' precondition)
inline bool aligned16(std::initializer_list<const void *> ps) {
    for (const void * p : ps)
        if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
    return true;
}

// Threads per block for a row of n elements: a power of two in [32, 256].
inline unsigned row_threads(int64_t n) {
    unsigned t = 32;
    while (t < 256 && t < n) t *= 2;
    return t;
}

// Block-wide reduction of v (every thread of the block must call it; blockDim.x a multiple of 32,
// at most 1024). `slots` is a shared float[32]; the result is returned to every thread.
template <bool Max, class Slots>
__device__ __forceinline__ float block_reduce(float v, Slots & slots) {
    for (int o = 16; o > 0; o >>= 1) {
        const float w = prim::shfl_xor_sync(0xffffffffu, v, o);
        v = Max ? (w > v ? w : v) : v + w;
    }
    const unsigned lane = prim::lane_id(), warp = prim::warp_id(), warps = blockDim.x / 32;
    prim::syncthreads();  // the slots may still be read by a previous reduction
    if (lane == 0) slots[warp] = v;
    prim::syncthreads();
    float r = slots[0];
    for (unsigned w = 1; w < warps; ++w) {
        const float s = slots[w];
        r = Max ? (s > r ? s : r) : r + s;
    }
    return r;
}

}  // namespace xemb::cuda::nn
