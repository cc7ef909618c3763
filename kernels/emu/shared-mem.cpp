// Shared memory of the running block (arena, XEMB_SHARED allocations, dynamic window) and the
// race checker over it.
//
// Race rule (what compute-sanitizer's racecheck calls hazards): two accesses to one byte by
// different threads of a block conflict unless a barrier separates them, when at least one is a
// plain write (RAW, WAR, WAW; two atomics never conflict). syncthreads starts a new epoch;
// syncwarp orders the lanes it joins through per-warp vector clocks (fiber::vc), so
// warp-synchronous code with __syncwarp is not reported, while code relying on implicit
// lock-step execution is. Each byte keeps its last writer and up to two readers of the epoch.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine.h"
#include "tensor-core.h"

namespace xemb::emu {

__thread bool tls_racecheck = false;

using namespace detail;

namespace {

constexpr size_t block_smem_max = 232448;  // 227 KiB per block on sm_90 (Guide, "Compute Capabilities")
constexpr size_t static_smem_max = 49152;  // static __shared__ beyond 48 KiB does not compile
// The arena can hold the largest legal block plus one over-limit static array, so a faulting
// allocation still has memory behind it until the launch stops.
constexpr size_t arena_bytes = block_smem_max + static_smem_max + 256;
constexpr unsigned char fresh_pattern = 0xFF;  // shared memory is not zeroed on a GPU: -NaN / -1

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

std::string hex(size_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%zx", v);
    return b;
}

void grow_shadow(engine & e) {
    if (e.shadow.size() < e.used) e.shadow.resize(e.used, shadow_cell{});
}

unsigned char * sink(engine & e, size_t bytes) {
    if (e.sink.size() < bytes) e.sink.resize(bytes);
    std::memset(e.sink.data(), 0, bytes);
    return e.sink.data();
}

const char * verb(access k) { return k == access::read ? "reads" : k == access::write ? "writes" : "atomically updates"; }

void race(engine & e, const fiber & f, size_t off, access kind, const stamp & prev, access prev_kind) {
    const bool same_warp = (prev.tid >> 5) == f.id.warp;
    std::string msg = "kernel '" + std::string(e.name) + "': shared-memory race in block " + block_name() + ": thread " + thread_name(f.id.linear) +
                      " " + verb(kind) + " shared offset " + hex(off) + " (" + shared_describe(e, off) + ") that thread " + thread_name(prev.tid) +
                      (prev_kind == access::read ? " read" : prev_kind == access::write ? " wrote" : " updated atomically") +
                      " in the same barrier interval (" +
                      (e.interval_start.file ? "since syncthreads at " + site_str(e.interval_start) : std::string("since the block started")) + "); " +
                      (same_warp ? "a syncthreads() or syncwarp() is missing between them" : "a syncthreads() is missing between them");
    set_fault(e, msg);
}

}  // namespace

namespace detail {

void shared_launch_begin(engine & e, size_t dyn_bytes) {
    if (!e.arena) {
        e.arena = static_cast<unsigned char *>(std::aligned_alloc(128, arena_bytes));
        e.arena_cap = arena_bytes;
    }
    e.dyn_bytes = dyn_bytes;
    e.used = round_up(dyn_bytes, 16);
    e.static_bytes = 0;
    e.allocs.clear();
    if (dyn_bytes) e.allocs.push_back(alloc_rec{nullptr, 0, dyn_bytes});
    tls_racecheck = e.opt.racecheck;
    if (e.opt.racecheck) grow_shadow(e);
}

void shared_block_begin(engine & e) {
    if (e.epoch > 0xFFFFFF00u) {  // stamps compare epochs: restart them before they wrap
        std::fill(e.shadow.begin(), e.shadow.end(), shadow_cell{});
        e.epoch = 0;
    }
    ++e.epoch;
    e.block_epoch = e.epoch;
    e.pending_uninit.clear();
    if (e.used) std::memset(e.arena, fresh_pattern, e.used);
}

void shared_interval_end(engine & e) {
    if (!e.pending_uninit.empty()) set_fault(e, e.pending_uninit);
    e.pending_uninit.clear();
}

std::string shared_describe(const engine & e, size_t off) {
    for (const alloc_rec & a : e.allocs) {
        if (off < a.offset || off >= a.offset + a.bytes) continue;
        if (!a.key) return "dynamic shared memory byte " + std::to_string(off);
        const shared_site & s = *a.key;
        size_t elem = (off - a.offset) / s.elem_bytes, within = (off - a.offset) % s.elem_bytes;
        std::string idx;
        for (int d = s.rank - 1; d >= 0; --d) {
            idx = "[" + std::to_string(elem % s.dims[d]) + "]" + idx;
            elem /= s.dims[d];
        }
        return "'" + std::string(s.name) + "'" + idx + (within ? " byte " + std::to_string(within) : "");
    }
    return "unallocated";
}

void racecheck_syncwarp(engine & e, fiber * const * lanes, size_t n) {
    uint32_t j[32] = {};
    for (size_t i = 0; i < n; ++i)
        for (int l = 0; l < 32; ++l) j[l] = std::max(j[l], lanes[i]->vc[l]);
    for (size_t i = 0; i < n; ++i) {
        fiber * g = lanes[i];
        std::memcpy(g->vc, j, sizeof j);
        g->vc[g->id.lane] = j[g->id.lane] + 1;  // later accesses are after the join
    }
}

}  // namespace detail

void * shared_static(const shared_site * s) {
    engine & e = eng();
    size_t bytes = s->elem_bytes;
    for (int d = 0; d < s->rank; ++d) bytes *= s->dims[d];
    if (!e.in_launch) return sink(e, bytes);
    for (const alloc_rec & a : e.allocs)
        if (a.key == s) return e.arena + a.offset;
    const size_t off = round_up(e.used, std::max<size_t>(s->align, 1));
    e.static_bytes += bytes;
    if (e.static_bytes > static_smem_max)
        fault("static shared array '" + std::string(s->name) + "' (" + std::to_string(bytes) + " bytes) brings the kernel's static shared memory to " +
              std::to_string(e.static_bytes) + " bytes; at most 48 KiB (49152 bytes) can be static");
    else if (off + bytes > block_smem_max)
        fault("static shared array '" + std::string(s->name) + "' ends at byte " + std::to_string(off + bytes) + " of shared memory (" +
              std::to_string(e.dyn_bytes) + " dynamic + " + std::to_string(e.static_bytes) + " static); a block can have at most 227 KiB (232448 bytes)");
    if (off + bytes > e.arena_cap) return sink(e, bytes);
    e.allocs.push_back(alloc_rec{s, off, bytes});
    std::memset(e.arena + off, fresh_pattern, bytes);
    e.used = off + bytes;
    if (e.opt.racecheck) grow_shadow(e);
    return e.arena + off;
}

void * shared_dynamic(size_t * bytes) {
    engine & e = eng();
    *bytes = e.in_launch ? e.dyn_bytes : 0;
    return e.arena;
}

void * shared_out_of_range(const char * what, long long index, unsigned extent, size_t bytes) {
    fault("shared-memory index " + std::to_string(index) + " is out of range [0, " + std::to_string(extent) + ") in '" + what + "'");
    return sink(eng(), bytes);
}

void atomic_misaligned(const void * p, size_t bytes) {
    char b[32];
    std::snprintf(b, sizeof b, "%p", p);
    fault(std::to_string(bytes) + "-byte atomic on address " + b + ", which is not " + std::to_string(bytes) + "-byte aligned");
}

void shared_access(const void * p, size_t n, access kind) {
    engine & e = eng();
    if (!e.cur || e.failed) return;
    const auto * b = static_cast<const unsigned char *>(p);
    if (b < e.arena || b >= e.arena + e.used) return;  // global memory (atomics) or the fault sink
    const size_t off = static_cast<size_t>(b - e.arena);
    if (off + n > e.used) {
        fault(std::to_string(n) + "-byte access at shared offset " + hex(off) + " runs past the end of shared memory (" + std::to_string(e.used) + " bytes)");
        return;
    }
    const fiber & f = *e.cur;
    const uint32_t E = e.epoch, clock = f.vc[f.id.lane], t = f.id.linear;
    if (e.cpa_active) {
        // a cp.async destination belongs to the copy until its thread's wait_group (and, for the
        // other threads, a barrier after it): any access before that reads or races the copy
        for (unsigned k = 0; k < e.nthreads && k < e.fibers.size(); ++k) {
            const fiber & g = *e.fibers[k];
            if (!g.cpa_used || !g.cpa || !emu_cp_async_overlaps_pending(*g.cpa, off, n)) continue;
            fault("thread " + thread_name(t) + " " + verb(kind) + " shared offset " + hex(off) + " (" + shared_describe(e, off) + ") while a cp.async of thread " +
                  thread_name(g.id.linear) + " to it is still pending: cp.async.wait_group (and a barrier, for other threads) must come first");
            return;
        }
    }
    // access `s` happened before the current one: an earlier interval, this thread, or a lane of
    // this warp whose access precedes a syncwarp this thread has joined since
    auto hb = [&](const stamp & s) { return s.epoch != E || s.tid == t || ((s.tid >> 5) == f.id.warp && s.clock <= f.vc[s.tid & 31]); };
    const stamp now{E, t, clock};
    for (size_t i = off; i < off + n; ++i) {
        shadow_cell & c = e.shadow[i];
        if (kind != access::write && c.w.epoch < e.block_epoch && c.a.epoch < e.block_epoch) {
            if (e.opt.uninit_check && e.pending_uninit.empty())
                e.pending_uninit = "kernel '" + std::string(e.name) + "' block " + block_name() + " thread " + thread_name(t) + " " + verb(kind) +
                                   " shared offset " + hex(i) + " (" + shared_describe(e, i) + "), which no thread of the block has written";
        }
        // conflicts: any plain write; an atomic unless this is an atomic too; reads unless this is a read
        if (!hb(c.w)) return race(e, f, i, kind, c.w, access::write);
        if (kind != access::atomic && !hb(c.a)) return race(e, f, i, kind, c.a, access::atomic);
        if (kind == access::read) {
            // keep this read unless both slots hold reads by other threads not ordered before it
            if (c.r1.epoch != E || c.r1.tid == t || hb(c.r1)) c.r1 = now;
            else if (c.r2.epoch != E || c.r2.tid == t || hb(c.r2)) c.r2 = now;
            continue;
        }
        if (!hb(c.r1)) return race(e, f, i, kind, c.r1, access::read);
        if (!hb(c.r2)) return race(e, f, i, kind, c.r2, access::read);
        c.r1.epoch = c.r2.epoch = 0;  // ordered before this access, hence before whatever follows it
        if (kind == access::write) {
            c.w = now;
            c.a.epoch = 0;  // likewise
        } else {
            c.a = now;  // the plain write stays: it may still be unordered with other threads' atomics
        }
    }
}

void note_shared_read(const void * p, size_t bytes) {
    if (tls_racecheck) shared_access(p, bytes, access::read);
}
void note_shared_write(const void * p, size_t bytes) {
    if (tls_racecheck) shared_access(p, bytes, access::write);
}

void note_async_shared_writes(const byte_range * ranges, size_t n) {
    engine & e = eng();
    for (size_t i = 0; i < n && tls_racecheck; ++i) shared_access(e.arena + ranges[i].offset, ranges[i].bytes, access::write);
}

void current_shared_window(uint8_t ** base, size_t * bytes) {
    engine & e = eng();
    *base = e.arena;
    *bytes = e.in_launch ? e.used : 0;
}

}  // namespace xemb::emu
