// Internal state of the emulator (kernels/emu/*.cpp only): fibers, the per-host-thread engine that
// schedules them, the shared-memory arena and the race checker's shadow memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu.h"
#include "shared.h"
#include "warp-collective.h"

#if defined(__x86_64__) && !defined(XEMB_EMU_UCONTEXT)
#define XEMB_EMU_ASM_SWITCH 1
#else
#include <ucontext.h>
#endif

namespace xemb::emu {
struct cp_async_state;
}

namespace xemb::emu::detail {

// ---- execution contexts (fiber.cpp) -----------------------------------------------------------
// x86-64: a 15-instruction switch saving the SysV callee-saved registers (a few ns); elsewhere
// (or with -DXEMB_EMU_UCONTEXT) swapcontext, which also saves the signal mask with a system call
// (~170 ns per switch on the development machine).
struct context {
#if defined(XEMB_EMU_ASM_SWITCH)
    void * sp = nullptr;
#else
    ucontext_t uc;
#endif
};

// Fiber stacks: `bytes` usable, a PROT_NONE guard page below (an overflow faults instead of
// corrupting a neighbour) and a canary zone at the low end checked after every launch.
struct stack {
    unsigned char * map = nullptr;  // mapping start (guard page)
    size_t map_bytes = 0;
    unsigned char * lo = nullptr;   // lowest usable byte
    size_t bytes = 0;
};
bool stack_alloc(stack & s, size_t bytes);
void stack_free(stack & s);
bool stack_canary_ok(const stack & s);  // false if the fiber came within the canary zone
void stack_canary_reset(const stack & s);
constexpr size_t stack_canary_bytes = 1024;

void context_start(context & c, const stack & s, void (*entry)());
void context_switch(context & from, context & to);

// ---- fibers -----------------------------------------------------------------------------------
enum class fstate : uint8_t { ready, running, barrier, collective, exited };

struct coll_wait {
    const char * what;
    uint32_t mask;
    bool full_warp;
    const void * in;
    size_t in_bytes;
    void * out;
    size_t out_bytes;
    collective_fn fn;
    void * user;
};

struct fiber {
    context ctx;
    stack stk;
    thread_ident id{};
    fstate state = fstate::exited;
    site where{nullptr, 0};  // barrier / collective the fiber waits at
    coll_wait cw{};
    uint32_t vc[32];         // race checker: vector clock over the lanes of this warp
    std::unique_ptr<cp_async_state, void (*)(cp_async_state *)> cpa{nullptr, nullptr};
    bool cpa_used = false;
};

// ---- race checker shadow (shared-mem.cpp) -------------------------------------------------------
// One cell per byte of shared memory: the last plain write, the last atomic and up to two reads of
// the current barrier interval. A stamp is valid in the interval whose epoch it carries; `clock`
// is the thread's own vector-clock entry at the access, so lanes of one warp ordered by
// __syncwarp are not reported.
struct stamp {
    uint32_t epoch;
    uint32_t tid;  // linear thread id
    uint32_t clock;
};
struct shadow_cell {
    stamp w, a, r1, r2;
};

struct alloc_rec {
    const shared_site * key;  // null for the dynamic region
    size_t offset, bytes;
};

// ---- the engine: one per host thread ----------------------------------------------------------
struct engine {
    engine();
    ~engine();

    context sched;                               // the host thread's own context
    std::vector<std::unique_ptr<fiber>> fibers;  // reused across blocks and launches
    size_t stack_bytes = 0;
    fiber * cur = nullptr;
    bool in_launch = false;
    bool cpa_active = false;  // some thread of this launch used cp.async: shared accesses check pending copies
    bool dirty = false;  // the last launch stopped with fibers mid-kernel: restart their contexts

    // the running launch
    const char * name = "";
    dim3 grid, block;
    unsigned nthreads = 0;
    uint3 bid{0, 0, 0};
    void (*call)(void *) = nullptr;
    void * arg = nullptr;
    bool failed = false;
    std::string error;
    status_code error_code = status_code::internal;
    options opt;

    // scheduling of the running block
    std::vector<unsigned> ready;
    size_t ready_head = 0;
    unsigned exited = 0;
    uint64_t rng = 1;
    // per warp of the block: lanes waiting at a collective, lanes exited or not in the block
    // (so an arrival can tell in O(1) that its collective is still incomplete)
    std::vector<uint32_t> warp_waiting, warp_gone;
    site interval_start{nullptr, 0};  // barrier that opened the current interval (null: block start)

    // shared memory
    unsigned char * arena = nullptr;  // aligned to 128
    size_t arena_cap = 0;
    size_t dyn_bytes = 0;
    size_t used = 0;           // dynamic + static allocated so far in this launch
    size_t static_bytes = 0;
    std::vector<alloc_rec> allocs;
    std::vector<unsigned char> sink;  // target of out-of-range shared accesses

    // race checker
    std::vector<shadow_cell> shadow;
    uint32_t epoch = 0, block_epoch = 0;
    std::string pending_uninit;  // first read of never-written shared memory in this interval

    // collective scratch (in_all / out_all of the collective being completed)
    std::vector<unsigned char> scratch_in, scratch_out;

    stats st;

    void push_ready(unsigned t) { ready.push_back(t); }
};

engine & eng();                     // this host thread's engine (created on first use)
void set_fault(engine & e, const std::string & msg, status_code code = status_code::internal);
void yield_to_scheduler(engine & e);  // the running fiber stops until made ready again
void enqueue(engine & e, unsigned * list, size_t n);  // make threads ready, in schedule order
std::string site_str(site s);

// shared-mem.cpp
void shared_launch_begin(engine & e, size_t dyn_bytes);
void shared_block_begin(engine & e);
void shared_interval_end(engine & e);      // barrier released: pending uninit reads become faults
std::string shared_describe(const engine & e, size_t offset);  // "'tile'[1][2]" / "dynamic byte 12"
void racecheck_syncwarp(engine & e, fiber * const * lanes, size_t n);

// collective.cpp: a lane of the running block exited; complete collectives that waited for it.
void collective_lane_exited(engine & e, fiber & f);

}  // namespace xemb::emu::detail
