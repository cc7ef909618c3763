// Host semantics of the tensor-core primitives wrapped in kernels/cuda/prim/{mma,ldmatrix,
// cp-async}.cuh: which matrix element sits in which lane/register/half, what mma computes, and
// the cp.async group rules. Pure functions on explicit data (no fibers): the emulator core calls
// them once per warp with all 32 lanes' operands. Layouts and rules: the facts sheet
// reference/ptx-warp-primitives.md sections 0-4, 6 (PTX ISA 9.0 sections 9.7.14.5.8, 9.7.14.5.15,
// 9.7.9.25.3); every formula is re-stated next to its implementation in tensor-core.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xemb::emu {

// ---- 16-bit packing (sheet section 0 and 6) --------------------------------------------------
// In every 16-bit fragment register, half2 and bf16x2, the element with the LOWER index (column
// for A/C, k for B, address for ldmatrix) is in bits [15:0]. These helpers are the only way the
// emulator builds or splits such registers, so the rule lives in one place.
inline uint32_t pack_u16x2(uint16_t lo, uint16_t hi) { return static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16); }
inline uint16_t lo_u16(uint32_t r) { return static_cast<uint16_t>(r & 0xffffu); }
inline uint16_t hi_u16(uint32_t r) { return static_cast<uint16_t>(r >> 16); }

// float -> f16x2 / bf16x2 with round-to-nearest-even each, `lo` in bits [15:0]: the semantics of
// __floats2half2_rn(lo, hi) / __floats2bfloat162_rn(lo, hi). Uses native/half.h, so NaN inputs
// give a quiet NaN keeping the payload's top bits; the device cvt NaN pattern is UNCONFIRMED
// (sheet 9.5) and CUDA's host reference gives 0x7FFF: never compare NaN bits across backends.
uint32_t pack_f16x2_rn(float lo, float hi);
uint32_t pack_bf16x2_rn(float lo, float hi);
float f16_lo(uint32_t r);
float f16_hi(uint32_t r);
float bf16_lo(uint32_t r);
float bf16_hi(uint32_t r);

// ---- mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32 (sheet section 1) -------
enum class mma_kind { f16, bf16 };

// One lane's operands, registers in asm operand order: a = {%a0..%a3}, b = {%b0,%b1}, c = {%c0..%c3}.
struct mma_lane_in {
    uint32_t a[4];
    uint32_t b[2];
    float c[4];
};

// D = A*B + C for one warp. Gathers A (16x16), B (16x8), C (16x8) from all 32 lanes before any
// output is written, then scatters D into d_out[lane][i] (C/D layout). Arithmetic: every product
// is exact, the sum C[i][j] + sum_k A[i][k]*B[k][j] is accumulated EXACTLY (fixed point, so the
// order cannot matter), and rounded once to f32 (nearest-even, f32 subnormals kept, overflow ->
// inf). Hardware order/rounding is unspecified and differs by generation (sheet 2.3, 2.4): this
// is the correctly rounded result, which any "at least single precision" hardware approaches.
// Signed zero: an exact zero is -0 only if every addend (all 16 products and C) is -0, as for
// IEEE additions in nearest mode. NaN/Inf operands (handling UNCONFIRMED on hardware, sheet 2.4):
// the row/column is evaluated in IEEE double as C + sum over k ascending, then converted to f32.
void emu_mma_m16n8k16(mma_kind kind, const mma_lane_in in[32], float d_out[32][4]);

// C + sum_{k<n} p[k] rounded once to f32 as described above. p[] are exact products of f16 or
// bf16 values (any such product, and any float c, fits the exact accumulator: non-zero terms
// need magnitude < 2^300 and no set bit below 2^-320). Exposed so the rounding rule is tested
// directly.
float emu_exact_dot_round_f32(const double * p, int n, float c);

// ---- ldmatrix.sync.aligned.m8n8.{x1,x2,x4}{,.trans}.shared.b16 (sheet section 3.1) -----------
// lane_offsets[L]: byte offset, inside the block's shared memory [shared_base, +shared_bytes),
// of the row address lane L passed; 0xFFFFFFFF marks an address outside shared memory. Matrix m
// row rr is read at lane_offsets[8m + rr]; lanes >= 8*num are ignored (UNCONFIRMED for sm_80+,
// sheet 9.9; on sm_75 they must hold valid addresses anyway). out[L][m] = register m of lane L;
// registers >= num are set to 0. Returns false (out all zero, *error set) if a used row is not
// 16-byte aligned or not entirely inside shared memory.
bool emu_ldmatrix(int num, bool trans, const uint8_t * shared_base, size_t shared_bytes, const uint32_t lane_offsets[32],
                  uint32_t out[32][4], std::string * error);

// ---- cp.async.{ca,cg}.shared.global + commit_group / wait_group (sheet section 4) ------------
enum class cp_async_cache { ca, cg };

struct byte_range {
    size_t offset;  // bytes from the block's shared-memory base (dst), or the address (src)
    size_t bytes;
};

struct cp_async_copy {
    size_t dst_offset;
    unsigned cp_size;   // bytes written to shared memory at completion (4, 8 or 16)
    unsigned src_size;  // bytes read from src; [src_size, cp_size) of dst are zero-filled
    uintptr_t src;      // source address (kept for race reports on the source)
    uint8_t data[16];   // destination bytes, zero-fill included
};

// One CUDA thread's outstanding asynchronous copies. Copies are per thread in PTX: a thread's
// commit_group and wait_group only see the copies that thread issued.
struct cp_async_state {
    uint8_t * shared_base = nullptr;  // the block's shared memory (written at completion)
    size_t shared_bytes = 0;
    std::vector<cp_async_copy> uncommitted;          // issued since the last commit_group
    std::vector<std::vector<cp_async_copy>> groups;  // committed, incomplete; oldest first
};

void emu_cp_async_init(cp_async_state * s, uint8_t * shared_base, size_t shared_bytes);

// cp.async.{ca,cg}.shared.global [dst], [src], cp_size, src_size; dst_offset from the block's
// shared base, SIZE_MAX for an address outside shared memory. Checks: cp_size in {4, 8, 16},
// .cg only 16, src_size <= cp_size (== is accepted: sheet 9.11), dst and src aligned to cp_size
// (sheet 9.10), dst inside shared memory, dst not overlapping another incomplete copy of this
// thread (unordered writes to the same bytes are undefined). src_size == 0 reads nothing, so src
// is not checked (the zero-fill idiom passes out-of-range pointers). Whether src lies in global
// memory is the caller's check: host memory cannot tell. The source is read HERE (snapshot);
// when hardware reads it is unspecified, so a write to a pending source range is a race too.
// Nothing is written to shared memory until the covering wait.
bool emu_cp_async_issue(cp_async_state * s, cp_async_cache cache, size_t dst_offset, const void * src, unsigned cp_size,
                        unsigned src_size, std::string * error);

// cp.async.commit_group: all uncommitted copies form a new group, possibly empty (an empty group
// is complete but still counts as one of the "N most recent" in wait_group).
void emu_cp_async_commit(cp_async_state * s);

// cp.async.wait_group n: completes (writes to shared memory) every committed group except the n
// most recent, oldest first. Uncommitted copies are not touched. The bytes written are appended
// to *completed (if non-null): the race checker treats them as plain stores by this thread at
// this point, so other threads still need a barrier before reading them.
void emu_cp_async_wait_group(cp_async_state * s, unsigned n, std::vector<byte_range> * completed);

// cp.async.wait_all = commit_group; wait_group 0.
void emu_cp_async_wait_all(cp_async_state * s, std::vector<byte_range> * completed);

// For the race checker: shared-memory ranges (offsets) / source ranges (addresses) still pending
// for this thread. Any access to a pending dst range, by any thread, or a write to a pending src
// range, is a race. A thread that exits with copies pending is a fault (nothing waits for them).
std::vector<byte_range> emu_cp_async_pending_dst(const cp_async_state & s);
std::vector<byte_range> emu_cp_async_pending_src(const cp_async_state & s);
bool emu_cp_async_overlaps_pending(const cp_async_state & s, size_t offset, size_t bytes);
size_t emu_cp_async_outstanding(const cp_async_state & s);  // copies not yet complete

// ---- deliberate layout faults, for tests that must prove they catch them ---------------------
namespace testing {
enum class mma_fault {
    none,
    swap_a1_a2,      // A element a1 (r0 hi) and a2 (r1 lo) exchanged in the gather
    a_r1_is_k8,      // "r1 = cols 8..15": A registers r1 and r2 exchanged
    a_halves,        // A low/high 16-bit halves exchanged
    b_halves,        // B low/high halves exchanged
    cd_interleaved,  // C/D i: row g + 8*(i & 1), col 2t + (i >> 1) for both gather and scatter
};
void emu_mma_m16n8k16_faulty(mma_fault fault, mma_kind kind, const mma_lane_in in[32], float d_out[32][4]);
}  // namespace testing

// ---- hooks the emulator core must provide (NOT defined in tensor-core.cpp) -------------------
// Declared here until kernels/emu/warp-collective.h exists; only the XEMB_CUDA_EMU branches of
// kernels/cuda/prim/*.cuh call them, so tensor-core.cpp and its test link without them.

// Called by every lane of the calling fiber's warp with the same `what` and `fn`. Blocks until
// all 32 lanes arrived, then runs fn(in_all, out_all) exactly once, where in_all holds the 32
// lanes' `in_bytes` records in lane order and out_all has room for 32 `out_bytes` records; then
// copies record `lane` of out_all into my_out and resumes every lane. mma and ldmatrix are
// .sync.aligned: a warp with fewer than 32 live threads, a lane that exited, or lanes arriving
// with a different what/fn (divergence, differing qualifiers) is undefined behaviour and must be
// reported as a fault (and the call must still return, with my_out zeroed).
using warp_fn = void (*)(const void * in_all, void * out_all);
void warp_collective_call(const char * what, warp_fn fn, const void * my_in, size_t in_bytes, void * my_out, size_t out_bytes);

// The calling fiber's block shared memory (static + dynamic), base aligned to >= 16 bytes.
void current_shared_window(uint8_t ** base, size_t * bytes);

// The calling fiber's cp.async state, initialised with emu_cp_async_init at thread start; at
// thread exit the core reports a fault if emu_cp_async_outstanding() != 0.
cp_async_state & current_cp_async_state();

// Records a fault for the running launch (it fails at the next sync point); must return.
void report_fault(const char * primitive, const std::string & detail);

// Race checker: bytes of shared memory the calling thread's cp.async wrote at a wait (plain
// stores by this thread at this point). May be a no-op until a race checker exists.
void note_async_shared_writes(const byte_range * ranges, size_t n);

}  // namespace xemb::emu
