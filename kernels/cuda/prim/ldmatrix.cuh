// Warp-level 8x8 16-bit matrix loads from shared memory into mma fragments (ldmatrix). Real PTX
// under nvcc; under XEMB_CUDA_EMU the same names run kernels/emu/tensor-core.h for the whole warp.
// Layout: reference/ptx-warp-primitives.md 3.1; PTX ISA 9.0 9.7.14.5.15.
//
// Every lane calls with ITS row address: matrix m, row rr (0..7) is the 16 contiguous bytes at
// the address of lane 8m + rr; each row address 16-byte aligned, in shared memory. .x1 reads the
// addresses of lanes 0-7, .x2 of lanes 0-15 (the others are ignored on sm_80+; that is inferred,
// UNCONFIRMED, sheet 9.9 -- sm_75 needed them valid). r[m] of lane L (g = L >> 2, t = L & 3):
//   no .trans: lo = M_m[g][2t],  hi = M_m[g][2t+1]   (32-bit word t of row g)
//   .trans:    lo = M_m[2t][g],  hi = M_m[2t+1][g]   (each 8x8 transposed on its own)
// r[m] = asm operand %m: no reordering (unlike llama.cpp's load_ldmatrix_trans, which stores
// outputs as x[0], x[2], x[1], x[3]). Fragment recipes for mma (sheet 3.1 table):
//   A 16x16 row-major, .x4:         lane L passes &A[L & 15][8 * (L >> 4)]  -> r = a[0..3]
//   B as Bt[n][k] (k contiguous), .x2: &Bt[L & 7][8 * ((L >> 3) & 1)]       -> r = b[0..1]
//   B as B[k][n] (n contiguous), .x2.trans: &B[L & 15][0]                   -> r = b[0..1]
// Requires sm_75 (ptxas rejects a use on older targets).
#pragma once
#include <cstdint>

#if defined(XEMB_CUDA_EMU)
#include "../../emu/tensor-core.h"
#include "../../emu/warp-collective.h"
#elif !defined(__CUDACC__)
#error "kernels/cuda/prim/ldmatrix.cuh: compile with nvcc, or with XEMB_CUDA_EMU for the cuda-emu backend"
#endif

namespace xemb::prim {

#if defined(XEMB_CUDA_EMU)

namespace detail {
struct ldmatrix_lane {
    const uint8_t * shared_base;
    size_t shared_bytes;
    uint32_t offset;  // 0xFFFFFFFF: the address is not in this block's shared memory
};

template <int Num, bool Trans>
inline void ldmatrix_warp(const void * in_all, void * out_all) {
    const auto * in = static_cast<const ldmatrix_lane *>(in_all);
    uint32_t offsets[32];
    for (int l = 0; l < 32; ++l) offsets[l] = in[l].offset;
    std::string error;
    // One warp is in one block, so every lane's window is the same; lane 0's is used.
    if (!emu::emu_ldmatrix(Num, Trans, in[0].shared_base, in[0].shared_bytes, offsets, static_cast<uint32_t (*)[4]>(out_all), &error))
        emu::report_fault("ldmatrix", error);
}

template <int Num, bool Trans>
inline void ldmatrix_lane_call(const char * what, uint32_t * r, const void * smem_row_ptr) {
    uint8_t * base = nullptr;
    size_t bytes = 0;
    emu::current_shared_window(&base, &bytes);
    uintptr_t a = reinterpret_cast<uintptr_t>(smem_row_ptr), b = reinterpret_cast<uintptr_t>(base);
    ldmatrix_lane in{base, bytes, a >= b && a - b < bytes ? static_cast<uint32_t>(a - b) : 0xFFFFFFFFu};
    // The race checker sees the row this lane supplies as a 16-byte read by this thread (lanes
    // >= 8*Num supply no row); the warp-wide copy below goes through raw addresses.
    if (in.offset != 0xFFFFFFFFu && emu::ident().lane < 8u * Num && in.offset + 16u <= bytes) emu::note_shared_read(smem_row_ptr, 16);
    uint32_t out[4] = {0, 0, 0, 0};
    emu::warp_collective_call(what, &ldmatrix_warp<Num, Trans>, &in, sizeof in, out, sizeof out);
    for (int m = 0; m < Num; ++m) r[m] = out[m];
}
}  // namespace detail

// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x1.shared.b16
inline void ldmatrix_x1(uint32_t r[1], const void * p) { detail::ldmatrix_lane_call<1, false>("ldmatrix.sync.aligned.m8n8.x1.shared.b16", r, p); }
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x2.shared.b16
inline void ldmatrix_x2(uint32_t r[2], const void * p) { detail::ldmatrix_lane_call<2, false>("ldmatrix.sync.aligned.m8n8.x2.shared.b16", r, p); }
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x4.shared.b16
inline void ldmatrix_x4(uint32_t r[4], const void * p) { detail::ldmatrix_lane_call<4, false>("ldmatrix.sync.aligned.m8n8.x4.shared.b16", r, p); }
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16
inline void ldmatrix_x1_trans(uint32_t r[1], const void * p) { detail::ldmatrix_lane_call<1, true>("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16", r, p); }
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16
inline void ldmatrix_x2_trans(uint32_t r[2], const void * p) { detail::ldmatrix_lane_call<2, true>("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16", r, p); }
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
inline void ldmatrix_x4_trans(uint32_t r[4], const void * p) { detail::ldmatrix_lane_call<4, true>("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16", r, p); }

#else  // nvcc

namespace detail {
__device__ __forceinline__ uint32_t smem_u32(const void * p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }
}  // namespace detail

// No "memory" clobber (as CUTLASS/llama.cpp): ldmatrix reads rows written by other lanes, so a
// __syncwarp/__syncthreads (itself a compiler memory barrier) must separate those stores anyway.

// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x1.shared.b16
__device__ __forceinline__ void ldmatrix_x1(uint32_t r[1], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(detail::smem_u32(p)));
}
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x2.shared.b16
__device__ __forceinline__ void ldmatrix_x2(uint32_t r[2], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(detail::smem_u32(p)));
}
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x4.shared.b16
__device__ __forceinline__ void ldmatrix_x4(uint32_t r[4], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(detail::smem_u32(p)));
}
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16
__device__ __forceinline__ void ldmatrix_x1_trans(uint32_t r[1], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(detail::smem_u32(p)));
}
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16
__device__ __forceinline__ void ldmatrix_x2_trans(uint32_t r[2], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(detail::smem_u32(p)));
}
// PTX 9.7.14.5.15 ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t r[4], const void * p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(detail::smem_u32(p)));
}

#endif

}  // namespace xemb::prim
