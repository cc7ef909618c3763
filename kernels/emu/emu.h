// The CUDA emulator core (cuda-emu backend, tests only): every CUDA thread of a block is a fiber
// on the calling host thread; blocks run one after another. Used by the XEMB_CUDA_EMU branches of
// kernels/cuda/prim/*.cuh; kernels never include this directly. Overview in DESIGN.md ("CUDA
// without a GPU"); warp semantics in reference/ptx-warp-primitives.md sections 0, 5 and 7.
//
// Kernel bugs never abort: they are recorded as the launch's first fault, the faulting thread gets
// a harmless value and continues to its next scheduling point (barrier, warp collective or exit),
// where the launch stops and run_kernel returns the fault as a status.
//
// All state is per host thread (thread_local), so launches on different host threads run
// concurrently without sharing anything but the global memory the kernels themselves touch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "../../native/status.h"

namespace xemb::emu {

// CUDA's built-in vector types (CUDA C++ Programming Guide, "Built-in Vector Types" / "dim3").
// Declared here rather than globally so these definitions never meet CUDA's own in one program;
// prim/emu-compat.h aliases them to the global names.
struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return {x, y, z}; }
};

// What threadIdx / blockIdx / blockDim / gridDim read while a fiber runs. `linear` is the thread's
// linear id x + y*Dx + z*Dx*Dy; warps are cut from it (lane = linear % 32, PTX ISA 3.1).
struct thread_ident {
    uint3 tid, bid;
    dim3 bdim, gdim;
    unsigned linear, lane, warp;
};

// Points at the running fiber's identity; null outside a kernel (host code has no threadIdx).
// __thread (not thread_local) so reading it needs no TLS wrapper call.
extern __thread const thread_ident * tls_ident;
inline const thread_ident & ident() { return *tls_ident; }

// Source position of a primitive call, filled by __builtin_FILE/__builtin_LINE default arguments
// in the prim headers, so reports can say which barrier or shuffle a thread is waiting at.
struct site {
    const char * file;
    int line;
};

// ---- launch ----------------------------------------------------------------------------------

// Runs `call(arg)` as kernel `name` on every thread of every block, block after block (x fastest,
// then y, z). Validates the configuration like cudaLaunchKernel (threads per block <= 1024,
// block.z <= 64, grid.y/z <= 65535, dynamic shared memory <= 227 KiB (sm_90; prim/launch.cuh
// makes the opt-in above 48 KiB), parameters
// <= 32764 bytes); a block of zero threads or an empty grid is an error here, prim/launch.cuh
// returns success for an empty grid before calling this. Returns ok or the first fault.
// Not re-entrant: a launch from inside a kernel (dynamic parallelism) is reported.
status run_kernel(const char * name, dim3 grid, dim3 block, size_t dyn_smem, size_t param_bytes, void (*call)(void *), void * arg);

// ---- options ---------------------------------------------------------------------------------

enum class schedule : uint8_t {
    forward,  // threads start (and leave barriers) in linear-id order
    reverse,  // highest linear id first
    random,   // seeded shuffle per block and per barrier release
};

// Per host thread; initialised from the environment on first use:
//   XEMB_EMU_RACECHECK=0      disables the shared-memory race checker (on by default)
//   XEMB_EMU_UNINITCHECK=0    disables reports of reads of never-written shared memory
//   XEMB_EMU_SCHEDULE=forward|reverse|random[:seed]
//   XEMB_EMU_STACK_KB=64      fiber stack size (read when the host thread's first launch runs)
struct options {
    bool racecheck = true;
    bool uninit_check = true;
    schedule order = schedule::forward;
    uint64_t seed = 1;
    size_t stack_bytes = 64 * 1024;
};
options & thread_options();

// Fiber stack diagnostics: bytes left below the caller on the running fiber's stack (0 outside a
// kernel), and the deepest use so far of any fiber stack of this host thread (stacks start
// zeroed, so this scans for the lowest written word: a close lower bound).
size_t stack_left();
size_t stack_high_water();

// Counters of this host thread since it started (for benchmarks).
struct stats {
    uint64_t launches = 0, blocks = 0, threads = 0, switches = 0, collectives = 0, barriers = 0;
};
stats thread_stats();

// ---- faults and barriers (called from kernel code via prim/) -----------------------------------

// Records a fault of the running launch (the first one wins) and returns; the launch stops at the
// calling thread's next scheduling point. The message is prefixed with the kernel, block and
// thread. Outside a kernel it is dropped.
void fault(const std::string & message);

// __syncthreads (CUDA C++ Programming Guide, "Synchronization Functions"; PTX bar.sync 0): waits
// until every thread of the block waits at the same syncthreads call site. Threads that exited, or
// wait at another barrier or a warp collective, make it a reported divergence, not a hang.
void barrier(site where);

// "lane 5 = thread (5,0,0)" for a lane of the running thread's warp (for messages).
std::string lane_name(unsigned lane);
// "(x,y,z)" of a thread / block of the running launch.
std::string thread_name(unsigned linear);
std::string block_name();

}  // namespace xemb::emu
