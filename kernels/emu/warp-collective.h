// Warp collectives: the one mechanism behind every *_sync primitive in the emulator (shuffles,
// votes, __syncwarp) and the hook for tensor-core primitives (mma.sync, ldmatrix: their pure
// semantics live in tensor-core.{h,cpp}). Each lane of a warp arrives with one input record; when
// the collective is complete, a function runs ONCE over all 32 lanes' records (so every operand is
// gathered before any lane's output is written, as on hardware) and each lane receives its output
// record. Semantics of the sync rules: reference/ptx-warp-primitives.md 5.1 and 5.5.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "emu.h"

namespace xemb::emu {

// What the collective function sees. Records are laid out lane after lane: lane L's input is at
// in_all + L*in_bytes, its output at out_all + L*out_bytes. Records of lanes not in `present` are
// zero on input and ignored on output.
struct collective_io {
    uint32_t mask;     // the mask every participating lane passed
    uint32_t present;  // lanes of `mask` that arrived (mask minus exited / nonexistent lanes)
    const unsigned char * in_all;
    unsigned char * out_all;
    size_t in_bytes, out_bytes;
    std::string * error;  // set non-empty to fault the launch (describe lanes with lane_name())
};
using collective_fn = void (*)(void * user, const collective_io & io);

// Called by each participating lane. Lanes form one collective when they pass the same `what`
// (compared as strings), fn, user, mask and record sizes. The collective completes when every
// lane of `mask` has arrived or exited; `full_warp` collectives (.aligned instructions: mma,
// ldmatrix) instead fault if a lane of `mask` has exited or does not exist. Faults (reported, and
// the call returns with `out` zeroed): the caller's lane not in `mask`; with full_warp, a missing
// lane. Lanes that can never meet (one waits at a barrier or at a different collective, or a
// mask disagrees) are reported when the block can make no progress, naming both sides.
// fn runs on the last arriving lane's fiber; lane_name() describes lanes of that warp.
// Returns true if the collective completed without a fault.
bool warp_collective(const char * what, uint32_t mask, bool full_warp, const void * in, size_t in_bytes, void * out, size_t out_bytes,
                     collective_fn fn, void * user, site where);

// ---- the contract tensor-core.h expects (same declarations as there) ---------------------------

// Full-warp collective: all 32 lanes with the same `what` and `fn`; fn(in_all, out_all) once over
// 32 in_bytes records / 32 out_bytes records; on a fault my_out is zeroed and the call returns.
using warp_fn = void (*)(const void * in_all, void * out_all);
void warp_collective_call(const char * what, warp_fn fn, const void * my_in, size_t in_bytes, void * my_out, size_t out_bytes);

// The calling thread's block shared memory: dynamic shared memory first, then the static
// XEMB_SHARED arrays declared so far, base aligned to 128 bytes.
void current_shared_window(uint8_t ** base, size_t * bytes);

// The calling thread's cp.async state (tensor-core.h), initialised with emu_cp_async_init on the
// thread's first use; when the thread exits with copies outstanding the launch faults.
struct cp_async_state;
cp_async_state & current_cp_async_state();

// Records a fault "primitive: detail" for the running launch and returns.
void report_fault(const char * primitive, const std::string & detail);

// Race checker: bytes of shared memory the calling thread's cp.async wrote at a wait, recorded as
// plain stores by this thread now (offsets from the shared window base).
struct byte_range;
void note_async_shared_writes(const byte_range * ranges, size_t n);

// Race checker hooks for primitives that touch shared memory through raw addresses (ldmatrix row
// addresses, cp.async destinations at issue): record an access of `bytes` at `p` by the calling
// thread. Addresses outside the block's shared memory are ignored.
void note_shared_read(const void * p, size_t bytes);
void note_shared_write(const void * p, size_t bytes);

}  // namespace xemb::emu
