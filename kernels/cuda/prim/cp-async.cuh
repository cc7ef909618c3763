// Asynchronous global -> shared copies (cp.async) and their per-thread groups, the sm_80 way to
// prefetch the next tile while computing on the current one. Real PTX under nvcc; under
// XEMB_CUDA_EMU the same names drive the per-thread model of kernels/emu/tensor-core.h.
// Semantics: reference/ptx-warp-primitives.md section 4; PTX ISA 9.0 9.7.9.25.3.1-3, 9.7.9.25.1.1.
//
// Rules a kernel must follow (the emulator reports violations):
//   - cp-size 4, 8 or 16 for .ca, only 16 for .cg (.ca/.cg are cache hints, same semantics);
//     dst (shared) and src (global) aligned to cp-size (natural reading of PTX 6.4.1; UNCONFIRMED
//     that "access size" means cp-size, sheet 9.10).
//   - The copy is invisible until this thread's covering cp_async_wait<N>() (N = how many of the
//     newest committed groups may stay pending; groups retire in commit order; copies not yet
//     committed are never waited for, except by cp_async_wait_all). Other threads may read the
//     data only after that wait AND a barrier (__syncthreads, or __syncwarp within the warp).
//   - Do not touch pending destination bytes, nor write pending source bytes, before the wait;
//     two pending copies of one thread must not write the same bytes.
//   - *_zfill(dst, src, src_bytes): bytes [src_bytes, cp-size) of dst become 0 and only src_bytes
//     are read; src_bytes = 0 reads nothing (predicated-off loads). src_bytes == cp-size is what
//     CuTe passes in the normal case although PTX words it "less than" (UNCONFIRMED, sheet 9.11).
//     This is also the ignore-src form's effect (ignore-src true == src_bytes 0).
#pragma once
#include <cstdint>

#if defined(XEMB_CUDA_EMU)
#include <string>
#include <vector>

#include "../../emu/tensor-core.h"
#include "../../emu/warp-collective.h"
#elif !defined(__CUDACC__)
#error "kernels/cuda/prim/cp-async.cuh: compile with nvcc, or with XEMB_CUDA_EMU for the cuda-emu backend"
#endif

namespace xemb::prim {

#if defined(XEMB_CUDA_EMU)

namespace detail {
inline void cp_async_lane(emu::cp_async_cache cache, unsigned cp_size, void * smem_dst, const void * gmem_src, unsigned src_bytes) {
    emu::cp_async_state & s = emu::current_cp_async_state();
    uintptr_t d = reinterpret_cast<uintptr_t>(smem_dst), b = reinterpret_cast<uintptr_t>(s.shared_base);
    size_t offset = d >= b ? d - b : SIZE_MAX;  // SIZE_MAX: not a shared-memory address
    // The copy owns its destination from the issue on: the race checker records a write now, so
    // a read of that stage by another thread with no barrier in between is a race (the write is
    // recorded again at this thread's wait, where the data lands). Before the issue, so that the
    // pending-destination rule does not flag the copy's own bytes.
    if (offset != SIZE_MAX && offset + cp_size <= s.shared_bytes) emu::note_shared_write(smem_dst, cp_size);
    std::string error;
    if (!emu::emu_cp_async_issue(&s, cache, offset, gmem_src, cp_size, src_bytes, &error)) emu::report_fault("cp.async", error);
}

inline void cp_async_wait_lane(unsigned n, bool all) {
    emu::cp_async_state & s = emu::current_cp_async_state();
    std::vector<emu::byte_range> done;
    if (all) emu::emu_cp_async_wait_all(&s, &done);
    else emu::emu_cp_async_wait_group(&s, n, &done);
    if (!done.empty()) emu::note_async_shared_writes(done.data(), done.size());
}
}  // namespace detail

// PTX 9.7.9.25.3.1 cp.async.ca.shared.global [dst], [src], Bytes
template <int Bytes>
inline void cp_async_ca(void * smem_dst, const void * gmem_src) {
    static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async.ca: cp-size is 4, 8 or 16");
    detail::cp_async_lane(emu::cp_async_cache::ca, Bytes, smem_dst, gmem_src, Bytes);
}
// PTX 9.7.9.25.3.1 cp.async.ca.shared.global [dst], [src], Bytes, src_bytes
template <int Bytes>
inline void cp_async_ca_zfill(void * smem_dst, const void * gmem_src, uint32_t src_bytes) {
    static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async.ca: cp-size is 4, 8 or 16");
    detail::cp_async_lane(emu::cp_async_cache::ca, Bytes, smem_dst, gmem_src, src_bytes);
}
// PTX 9.7.9.25.3.1 cp.async.cg.shared.global [dst], [src], 16
template <int Bytes = 16>
inline void cp_async_cg(void * smem_dst, const void * gmem_src) {
    static_assert(Bytes == 16, "cp.async.cg: cp-size is 16");
    detail::cp_async_lane(emu::cp_async_cache::cg, Bytes, smem_dst, gmem_src, Bytes);
}
// PTX 9.7.9.25.3.1 cp.async.cg.shared.global [dst], [src], 16, src_bytes
template <int Bytes = 16>
inline void cp_async_cg_zfill(void * smem_dst, const void * gmem_src, uint32_t src_bytes) {
    static_assert(Bytes == 16, "cp.async.cg: cp-size is 16");
    detail::cp_async_lane(emu::cp_async_cache::cg, Bytes, smem_dst, gmem_src, src_bytes);
}
// PTX 9.7.9.25.3.2 cp.async.commit_group
inline void cp_async_commit() { emu::emu_cp_async_commit(&emu::current_cp_async_state()); }
// PTX 9.7.9.25.3.3 cp.async.wait_group N
template <int N>
inline void cp_async_wait() {
    static_assert(N >= 0, "cp.async.wait_group: N is a non-negative constant");
    detail::cp_async_wait_lane(static_cast<unsigned>(N), false);
}
// PTX 9.7.9.25.3.3 cp.async.wait_all (= commit_group; wait_group 0)
inline void cp_async_wait_all() { detail::cp_async_wait_lane(0, true); }

#else  // nvcc

namespace detail {
__device__ __forceinline__ uint32_t cp_smem_u32(const void * p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }
__device__ __forceinline__ uint64_t cp_gmem_u64(const void * p) { return static_cast<uint64_t>(__cvta_generic_to_global(p)); }
}  // namespace detail

// The "memory" clobbers keep the compiler from moving ordinary shared/global accesses across the
// copy or the waits (the hardware ordering is given by the waits, the compiler's by the clobber).

// PTX 9.7.9.25.3.1 cp.async.ca.shared.global [dst], [src], Bytes
template <int Bytes>
__device__ __forceinline__ void cp_async_ca(void * smem_dst, const void * gmem_src) {
    static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async.ca: cp-size is 4, 8 or 16");
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"(detail::cp_smem_u32(smem_dst)), "l"(detail::cp_gmem_u64(gmem_src)),
                 "n"(Bytes)
                 : "memory");
}
// PTX 9.7.9.25.3.1 cp.async.ca.shared.global [dst], [src], Bytes, src_bytes
template <int Bytes>
__device__ __forceinline__ void cp_async_ca_zfill(void * smem_dst, const void * gmem_src, uint32_t src_bytes) {
    static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async.ca: cp-size is 4, 8 or 16");
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(detail::cp_smem_u32(smem_dst)),
                 "l"(detail::cp_gmem_u64(gmem_src)), "n"(Bytes), "r"(src_bytes)
                 : "memory");
}
// PTX 9.7.9.25.3.1 cp.async.cg.shared.global [dst], [src], 16
template <int Bytes = 16>
__device__ __forceinline__ void cp_async_cg(void * smem_dst, const void * gmem_src) {
    static_assert(Bytes == 16, "cp.async.cg: cp-size is 16");
    asm volatile("cp.async.cg.shared.global [%0], [%1], %2;\n" ::"r"(detail::cp_smem_u32(smem_dst)), "l"(detail::cp_gmem_u64(gmem_src)),
                 "n"(Bytes)
                 : "memory");
}
// PTX 9.7.9.25.3.1 cp.async.cg.shared.global [dst], [src], 16, src_bytes
template <int Bytes = 16>
__device__ __forceinline__ void cp_async_cg_zfill(void * smem_dst, const void * gmem_src, uint32_t src_bytes) {
    static_assert(Bytes == 16, "cp.async.cg: cp-size is 16");
    asm volatile("cp.async.cg.shared.global [%0], [%1], %2, %3;\n" ::"r"(detail::cp_smem_u32(smem_dst)),
                 "l"(detail::cp_gmem_u64(gmem_src)), "n"(Bytes), "r"(src_bytes)
                 : "memory");
}
// PTX 9.7.9.25.3.2 cp.async.commit_group
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// PTX 9.7.9.25.3.3 cp.async.wait_group N
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    static_assert(N >= 0, "cp.async.wait_group: N is a non-negative constant");
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
// PTX 9.7.9.25.3.3 cp.async.wait_all (= commit_group; wait_group 0)
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

#endif

}  // namespace xemb::prim
