// The emulator's scheduler: launches, blocks, fibers, barriers and the reports of launches that
// cannot make progress. Collectives are in collective.cpp, shared memory and races in
// shared-mem.cpp.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine.h"
#include "tensor-core.h"

namespace xemb::emu {

__thread const thread_ident * tls_ident = nullptr;

namespace detail {

namespace {

thread_local std::unique_ptr<engine> tls_engine;

bool env_off(const char * name) {
    const char * v = std::getenv(name);
    return v && (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "false") == 0);
}

options options_from_env() {
    options o;
    o.racecheck = !env_off("XEMB_EMU_RACECHECK");
    o.uninit_check = !env_off("XEMB_EMU_UNINITCHECK");
    if (const char * s = std::getenv("XEMB_EMU_SCHEDULE")) {
        if (std::strncmp(s, "reverse", 7) == 0) o.order = schedule::reverse;
        else if (std::strncmp(s, "random", 6) == 0) {
            o.order = schedule::random;
            if (s[6] == ':') o.seed = std::strtoull(s + 7, nullptr, 10);
        }
    }
    if (const char * s = std::getenv("XEMB_EMU_STACK_KB")) {
        long kb = std::atol(s);
        if (kb >= 16 && kb <= 16384) o.stack_bytes = static_cast<size_t>(kb) * 1024;
    }
    return o;
}

thread_local bool tls_options_init = false;
thread_local options tls_options;

std::string fmt3(unsigned x, unsigned y, unsigned z) {
    return "(" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) + ")";
}

uint64_t next_rand(uint64_t & s) {  // xorshift64: the random schedule
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

bool same_site(site a, site b) { return a.line == b.line && (a.file == b.file || (a.file && b.file && std::strcmp(a.file, b.file) == 0)); }

}  // namespace

std::string site_str(site s) {
    if (!s.file) return "?";
    const char * f = s.file;
    // keep the path from kernels/ on (messages name repository files, not build paths)
    if (const char * k = std::strstr(f, "kernels/")) f = k;
    return std::string(f) + ":" + std::to_string(s.line);
}

// Appends the threads of `list` to the ready queue in the configured order.
void enqueue(engine & e, unsigned * list, size_t n) {
    if (e.opt.order == schedule::reverse) {
        for (size_t i = n; i-- > 0;) e.push_ready(list[i]);
        return;
    }
    if (e.opt.order == schedule::random)
        for (size_t i = n; i > 1; --i) std::swap(list[i - 1], list[next_rand(e.rng) % i]);
    for (size_t i = 0; i < n; ++i) e.push_ready(list[i]);
}

namespace {

// A fiber's whole life: run the kernel for the thread it was given, mark it exited, hand control
// back; the scheduler resumes it with the next thread (of this block, a later one or a later launch).
void fiber_main() {
    for (;;) {
        engine & e = *tls_engine;
        fiber & f = *e.cur;
        e.call(e.arg);
        f.state = fstate::exited;
        ++e.exited;
        e.warp_gone[f.id.warp] |= 1u << f.id.lane;
        if (f.cpa_used && emu_cp_async_outstanding(*f.cpa) != 0)
            fault("the thread exited with " + std::to_string(emu_cp_async_outstanding(*f.cpa)) +
                  " cp.async copies never waited for (cp.async.wait_group / wait_all missing)");
        if (e.warp_waiting[f.id.warp]) collective_lane_exited(e, f);
        context_switch(f.ctx, e.sched);
    }
}

bool ensure_fibers(engine & e, unsigned n) {
    while (e.fibers.size() < n) {
        auto f = std::make_unique<fiber>();
        if (!stack_alloc(f->stk, e.stack_bytes)) return false;
        context_start(f->ctx, f->stk, fiber_main);
        e.fibers.push_back(std::move(f));
    }
    return true;
}

std::string describe_wait(const fiber & f) {
    const std::string who = "thread " + thread_name(f.id.linear);
    if (f.state == fstate::exited) return who + " has exited";
    if (f.state == fstate::barrier) return who + " waits at syncthreads (" + site_str(f.where) + ")";
    char m[16];
    std::snprintf(m, sizeof m, "0x%08x", f.cw.mask);
    return who + " waits at " + f.cw.what + " with mask " + m + " (" + site_str(f.where) + ")";
}

// No fiber is ready, some have not exited: either every live thread waits at one barrier (release
// it) or the block can never finish; then name the threads that cannot meet.
void settle_block(engine & e) {
    fiber * first_bar = nullptr;
    unsigned at_bar = 0;
    for (unsigned t = 0; t < e.nthreads; ++t) {
        fiber & f = *e.fibers[t];
        if (f.state == fstate::barrier) {
            if (!first_bar) first_bar = &f;
            ++at_bar;
        }
    }
    const unsigned live = e.nthreads - e.exited;
    bool all_same = true;
    for (unsigned t = 0; t < e.nthreads && first_bar; ++t) {
        const fiber & f = *e.fibers[t];
        if (f.state == fstate::barrier && !same_site(f.where, first_bar->where)) all_same = false;
    }
    if (at_bar == live && e.exited == 0 && all_same) {
        shared_interval_end(e);
        if (e.failed) return;
        ++e.epoch;
        ++e.st.barriers;
        e.interval_start = first_bar->where;
        std::vector<unsigned> list;
        list.reserve(e.nthreads);
        for (unsigned t = 0; t < e.nthreads; ++t) {
            e.fibers[t]->state = fstate::ready;
            list.push_back(t);
        }
        enqueue(e, list.data(), list.size());
        return;
    }
    // Deadlock. Collectives first: their masks say exactly which lane is missing.
    const std::string head = "kernel '" + std::string(e.name) + "' cannot finish block " + block_name() + ": ";
    for (unsigned t = 0; t < e.nthreads; ++t) {
        fiber & f = *e.fibers[t];
        if (f.state != fstate::collective) continue;
        const unsigned base = f.id.warp * 32;
        for (unsigned l = 0; l < 32; ++l) {
            if (!(f.cw.mask >> l & 1) || base + l >= e.nthreads) continue;
            fiber & g = *e.fibers[base + l];
            if (g.state == fstate::collective && std::strcmp(g.cw.what, f.cw.what) == 0 && g.cw.mask == f.cw.mask) continue;
            if (g.state == fstate::exited) continue;  // would have completed (or faulted) on exit
            set_fault(e, head + describe_wait(f) + ", but lane " + std::to_string(l) + " of its mask: " + describe_wait(g) +
                             " (warp collectives need every lane of the mask at the same primitive with the same mask)");
            return;
        }
    }
    // Only barrier waiters are left: some threads exited, or they wait at different barriers.
    if (first_bar) {
        const fiber * other = nullptr;
        for (unsigned t = 0; t < e.nthreads && !other; ++t) {
            const fiber & f = *e.fibers[t];
            const bool elsewhere = f.state == fstate::barrier && !same_site(f.where, first_bar->where);
            if ((e.exited && f.state == fstate::exited) || (!e.exited && elsewhere)) other = &f;
        }
        if (other && e.exited) {
            set_fault(e, head + "barrier divergence: " + std::to_string(at_bar) + " threads wait at syncthreads (" + site_str(first_bar->where) +
                             "), e.g. thread " + thread_name(first_bar->id.linear) + ", but " + std::to_string(e.exited) +
                             " threads exited without reaching it, e.g. thread " + thread_name(other->id.linear) +
                             " (every thread of the block must reach each syncthreads)");
            return;
        }
        if (other) {
            set_fault(e, head + "barrier divergence: " + describe_wait(*first_bar) + " while " + describe_wait(*other) +
                             " (all threads of a block must reach the same syncthreads)");
            return;
        }
    }
    std::string msg = head + "no thread can proceed:";
    int shown = 0;
    for (unsigned t = 0; t < e.nthreads && shown < 4; ++t)
        if (e.fibers[t]->state != fstate::exited) msg += (shown++ ? "; " : " ") + describe_wait(*e.fibers[t]);
    set_fault(e, msg);
}

// Runs one block to completion (or to its first fault).
void run_block(engine & e) {
    ++e.st.blocks;
    e.exited = 0;
    e.ready.clear();
    e.ready_head = 0;
    e.interval_start = site{nullptr, 0};
    shared_block_begin(e);
    const unsigned nwarps = (e.nthreads + 31) / 32;
    e.warp_waiting.assign(nwarps, 0);
    e.warp_gone.assign(nwarps, 0);
    if (e.nthreads % 32) e.warp_gone[nwarps - 1] = ~0u << (e.nthreads % 32);  // lanes the block does not have
    const dim3 bd = e.block;
    std::vector<unsigned> list(e.nthreads);
    for (unsigned t = 0; t < e.nthreads; ++t) {
        fiber & f = *e.fibers[t];
        f.id.tid = uint3{t % bd.x, t / bd.x % bd.y, t / (bd.x * bd.y)};
        f.id.bid = e.bid;
        f.id.bdim = e.block;
        f.id.gdim = e.grid;
        f.id.linear = t;
        f.id.lane = t % 32;
        f.id.warp = t / 32;
        f.state = fstate::ready;
        if (e.opt.racecheck) {
            std::memset(f.vc, 0, sizeof f.vc);
            f.vc[f.id.lane] = 1;
        }
        if (f.cpa_used) {
            f.cpa->uncommitted.clear();
            f.cpa->groups.clear();
            f.cpa_used = false;
        }
        list[t] = t;
    }
    enqueue(e, list.data(), list.size());
    for (;;) {
        while (e.ready_head < e.ready.size() && !e.failed) {
            if (e.ready_head >= 4096 && e.ready_head * 2 >= e.ready.size()) {  // collectives keep appending: drop the consumed prefix
                e.ready.erase(e.ready.begin(), e.ready.begin() + static_cast<std::ptrdiff_t>(e.ready_head));
                e.ready_head = 0;
            }
            fiber & f = *e.fibers[e.ready[e.ready_head++]];
            f.state = fstate::running;
            e.cur = &f;
            tls_ident = &f.id;
            ++e.st.switches;
            context_switch(e.sched, f.ctx);
        }
        e.cur = nullptr;
        tls_ident = nullptr;
        e.ready.clear();
        e.ready_head = 0;
        if (e.failed) return;
        if (e.exited == e.nthreads) {
            shared_interval_end(e);
            return;
        }
        settle_block(e);
        if (e.failed) return;
    }
}

status config_error(const char * name, const std::string & what) {
    return make_status(status_code::device_error, "cuda-emu: kernel '" + std::string(name) + "': invalid launch configuration: " + what);
}

}  // namespace

engine::engine() {
    opt = thread_options();
    stack_bytes = opt.stack_bytes;
    rng = opt.seed | 1;
}

engine::~engine() {
    for (auto & f : fibers) stack_free(f->stk);
    std::free(arena);
}

engine & eng() {
    if (!tls_engine) tls_engine = std::make_unique<engine>();
    return *tls_engine;
}

void set_fault(engine & e, const std::string & msg, status_code code) {
    if (e.failed) return;
    e.failed = true;
    e.error = msg;
    e.error_code = code;
}

void yield_to_scheduler(engine & e) {
    fiber & f = *e.cur;
    context_switch(f.ctx, e.sched);
    // resumed by run_block: e.cur and tls_ident already point at this fiber again
}

}  // namespace detail

using namespace detail;

options & thread_options() {
    if (!tls_options_init) {
        tls_options = options_from_env();
        tls_options_init = true;
    }
    return tls_options;
}

stats thread_stats() { return eng().st; }

size_t stack_left() {
    const engine & e = eng();
    if (!e.cur) return 0;
    const auto * here = static_cast<const unsigned char *>(__builtin_frame_address(0));
    return static_cast<size_t>(here - e.cur->stk.lo);
}

size_t stack_high_water() {
    size_t most = 0;
    for (const auto & f : eng().fibers) {
        const auto * w = reinterpret_cast<const uint64_t *>(f->stk.lo + stack_canary_bytes);
        const size_t words = (f->stk.bytes - stack_canary_bytes) / 8;
        size_t i = 0;
        while (i < words && w[i] == 0) ++i;
        most = std::max(most, (words - i) * 8);
    }
    return most;
}

std::string thread_name(unsigned linear) {
    const engine & e = eng();
    const unsigned bx = e.block.x, by = e.block.y;
    return fmt3(linear % bx, linear / bx % by, linear / (bx * by));
}

std::string block_name() { return fmt3(eng().bid.x, eng().bid.y, eng().bid.z); }

std::string lane_name(unsigned lane) {
    const engine & e = eng();
    const unsigned t = (e.cur ? e.cur->id.warp * 32 : 0) + lane;
    if (t >= e.nthreads) return "lane " + std::to_string(lane) + " (no such thread: the block has " + std::to_string(e.nthreads) + ")";
    return "lane " + std::to_string(lane) + " = thread " + thread_name(t);
}

void fault(const std::string & message) {
    engine & e = eng();
    if (!e.in_launch || e.failed) return;
    std::string where = "kernel '" + std::string(e.name) + "' block " + block_name();
    if (e.cur) where += " thread " + thread_name(e.cur->id.linear);
    set_fault(e, where + ": " + message);
}

void report_fault(const char * primitive, const std::string & detail) { fault(std::string(primitive) + ": " + detail); }

void barrier(site where) {
    engine & e = eng();
    if (!e.cur) return;  // host code: there is no block to wait for
    e.cur->state = fstate::barrier;
    e.cur->where = where;
    yield_to_scheduler(e);
}

status run_kernel(const char * name, dim3 grid, dim3 block, size_t dyn_smem, size_t param_bytes, void (*call)(void *), void * arg) {
    engine & e = eng();
    if (e.in_launch) return config_error(name, "launched from inside kernel '" + std::string(e.name) + "' (dynamic parallelism is not emulated)");
    const uint64_t threads = static_cast<uint64_t>(block.x) * block.y * block.z;
    // Limits: CUDA C++ Programming Guide, "Compute Capabilities", table "Technical Specifications".
    if (threads == 0 || grid.x == 0 || grid.y == 0 || grid.z == 0)
        return config_error(name, "empty block or grid: block " + fmt3(block.x, block.y, block.z) + ", grid " + fmt3(grid.x, grid.y, grid.z));
    if (threads > 1024 || block.x > 1024 || block.y > 1024 || block.z > 64)
        return config_error(name, "block " + fmt3(block.x, block.y, block.z) + " has " + std::to_string(threads) +
                                      " threads; at most 1024 threads per block, with x, y <= 1024 and z <= 64");
    if (grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535)
        return config_error(name, "grid " + fmt3(grid.x, grid.y, grid.z) + " exceeds x <= 2^31-1, y, z <= 65535");
    if (dyn_smem > 232448)
        return config_error(name, std::to_string(dyn_smem) + " bytes of dynamic shared memory; a block can have at most 227 KiB (232448 bytes; 228 KiB per SM on sm_90)");
    if (param_bytes > 32764)
        return config_error(name, std::to_string(param_bytes) + " bytes of kernel parameters; the limit is 32764 bytes (4 KiB before CUDA 12.1)");
    e.opt = thread_options();
    if (e.opt.stack_bytes != e.stack_bytes && e.fibers.empty()) e.stack_bytes = e.opt.stack_bytes;
    if (!ensure_fibers(e, static_cast<unsigned>(threads)))
        return make_status(status_code::out_of_memory, "cuda-emu: kernel '" + std::string(name) + "': could not map fiber stacks");
    if (e.dirty) {
        // the previous launch was stopped with fibers parked mid-kernel: start them afresh
        for (auto & f : e.fibers) context_start(f->ctx, f->stk, fiber_main);
        e.dirty = false;
    }
    e.in_launch = true;
    e.name = name;
    e.grid = grid;
    e.block = block;
    e.nthreads = static_cast<unsigned>(threads);
    e.call = call;
    e.arg = arg;
    e.failed = false;
    e.cpa_active = false;
    e.error.clear();
    e.rng = e.opt.seed * 0x9E3779B97F4A7C15ULL | 1;
    tls_racecheck = false;
    shared_launch_begin(e, dyn_smem);
    ++e.st.launches;
    for (unsigned z = 0; z < grid.z && !e.failed; ++z)
        for (unsigned y = 0; y < grid.y && !e.failed; ++y)
            for (unsigned x = 0; x < grid.x && !e.failed; ++x) {
                e.bid = uint3{x, y, z};
                e.st.threads += e.nthreads;
                run_block(e);
            }
    if (e.failed) e.dirty = true;
    for (unsigned t = 0; t < e.nthreads; ++t) {
        if (!stack_canary_ok(e.fibers[t]->stk)) {
            set_fault(e, "kernel '" + std::string(name) + "' used more than " + std::to_string((e.stack_bytes - stack_canary_bytes) / 1024) +
                             " KiB of a fiber stack (thread " + thread_name(t) + "); raise XEMB_EMU_STACK_KB (default 64)");
            stack_canary_reset(e.fibers[t]->stk);  // every damaged one, so the next launch starts clean
        }
    }
    e.in_launch = false;
    e.cur = nullptr;
    tls_ident = nullptr;
    tls_racecheck = false;
    if (!e.failed) return status::success();
    return make_status(e.error_code, "cuda-emu: " + e.error);
}

}  // namespace xemb::emu
