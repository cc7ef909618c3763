// Warp collectives (warp-collective.h) and the primitives built on them: shuffles, votes and
// __syncwarp (warp.h), plus the hooks tensor-core.h expects from the core.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "engine.h"
#include "tensor-core.h"
#include "warp.h"

namespace xemb::emu {

using namespace detail;

namespace {

std::string hex32(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

// A fault raised by a collective names the warp, the primitive and its call site rather than the
// one thread that happened to complete it.
void collective_fault(engine & e, const fiber & f, const std::string & msg) {
    const unsigned base = f.id.warp * 32;
    const unsigned last = std::min(base + 31, e.nthreads - 1);
    set_fault(e, "kernel '" + std::string(e.name) + "' block " + block_name() + " warp " + std::to_string(f.id.warp) + " (threads " +
                     thread_name(base) + ".." + thread_name(last) + "): " + f.cw.what + " (" + site_str(f.where) + "): " + msg);
}

bool same_collective(const coll_wait & a, const coll_wait & b) {
    return a.mask == b.mask && a.fn == b.fn && a.user == b.user && a.in_bytes == b.in_bytes && a.out_bytes == b.out_bytes &&
           a.full_warp == b.full_warp && (a.what == b.what || std::strcmp(a.what, b.what) == 0);
}

void syncwarp_fn(void *, const collective_io &) {}

// If every lane of f's mask has arrived at f's collective (or exited), runs it: gathers the
// inputs, calls fn once, scatters the outputs and makes the waiting lanes ready. `f` may be the
// running fiber (the last lane to arrive) or a waiting one (when the last missing lane exits).
bool try_complete(engine & e, fiber & f) {
    const unsigned warp = f.id.warp, base = warp * 32;
    const coll_wait & cw = f.cw;
    const uint32_t gone = e.warp_gone[warp];
    if (cw.mask & ~(e.warp_waiting[warp] | gone)) return false;  // a lane of the mask is still running
    const uint32_t present = cw.mask & ~gone;
    for (unsigned l = 0; l < 32; ++l)
        if ((present >> l & 1) && !same_collective(e.fibers[base + l]->cw, cw)) return false;
    const size_t ib = cw.in_bytes, ob = cw.out_bytes;
    e.scratch_in.assign(32 * ib, 0);
    e.scratch_out.assign(32 * ob, 0);
    for (unsigned l = 0; l < 32; ++l)
        if ((present >> l & 1) && ib) std::memcpy(e.scratch_in.data() + l * ib, e.fibers[base + l]->cw.in, ib);
    std::string err;
    collective_io io{cw.mask, present, e.scratch_in.data(), e.scratch_out.data(), ib, ob, &err};
    cw.fn(cw.user, io);
    ++e.st.collectives;
    if (!err.empty()) collective_fault(e, f, err);
    fiber * lanes[32];
    unsigned wake[32], nl = 0, nw = 0;
    e.warp_waiting[warp] &= ~present;
    for (unsigned l = 0; l < 32; ++l) {
        if (!(present >> l & 1)) continue;
        fiber & g = *e.fibers[base + l];
        if (g.cw.out && ob) std::memcpy(g.cw.out, e.scratch_out.data() + l * ob, ob);
        lanes[nl++] = &g;
        if (&g == e.cur) g.state = fstate::running;
        else {
            g.state = fstate::ready;
            wake[nw++] = base + l;
        }
    }
    if (cw.fn == syncwarp_fn && e.opt.racecheck) racecheck_syncwarp(e, lanes, nl);
    enqueue(e, wake, nw);
    return true;
}

}  // namespace

namespace detail {

void collective_lane_exited(engine & e, fiber & f) {
    const unsigned base = f.id.warp * 32;
    const unsigned lane = f.id.lane;
    for (unsigned l = 0; l < 32 && !e.failed; ++l) {
        if (!(e.warp_waiting[f.id.warp] >> l & 1)) continue;
        fiber & g = *e.fibers[base + l];
        if (!(g.cw.mask >> lane & 1)) continue;
        if (g.cw.full_warp) collective_fault(e, g, lane_name(lane) + " exited while the warp waits for it; this instruction needs all 32 lanes");
        else try_complete(e, g);
    }
}

}  // namespace detail

bool warp_collective(const char * what, uint32_t mask, bool full_warp, const void * in, size_t in_bytes, void * out, size_t out_bytes,
                     collective_fn fn, void * user, site where) {
    engine & e = eng();
    if (out && out_bytes) std::memset(out, 0, out_bytes);
    if (!e.cur || e.failed) return false;
    fiber & f = *e.cur;
    const unsigned lane = f.id.lane, base = f.id.warp * 32;
    f.cw = coll_wait{what, mask, full_warp, in, in_bytes, out, out_bytes, fn, user};
    f.where = where;
    if (!(mask >> lane & 1)) {
        collective_fault(e, f, lane_name(lane) + " passed mask " + hex32(mask) + ", which does not include its own lane");
        return false;
    }
    if (full_warp) {
        for (unsigned l = 0; l < 32; ++l) {
            if (!(mask >> l & 1)) continue;
            if (base + l >= e.nthreads) {
                collective_fault(e, f, "needs all 32 lanes, but the warp has only " + std::to_string(e.nthreads - base) + " threads (block of " +
                                           std::to_string(e.nthreads) + ")");
                return false;
            }
            if (e.fibers[base + l]->state == fstate::exited) {
                collective_fault(e, f, "needs all 32 lanes, but " + lane_name(l) + " has exited");
                return false;
            }
        }
    }
    f.state = fstate::collective;
    e.warp_waiting[f.id.warp] |= 1u << lane;
    if (try_complete(e, f)) return !e.failed;
    yield_to_scheduler(e);
    return !e.failed;
}

// ---- shuffles ---------------------------------------------------------------------------------

namespace {

struct shfl_in {
    uint64_t bits;
    int32_t operand;
    int32_t width;
};

// Source lane per PTX shfl.sync "Semantics" with the control word the CUDA headers build
// (sheet 5.2): segment base = lane & ~(width-1), last = base + width - 1, b = operand & 31.
void shfl_fn(void * user, const collective_io & io) {
    const auto mode = static_cast<shfl_mode>(reinterpret_cast<uintptr_t>(user));
    const auto * in = reinterpret_cast<const shfl_in *>(io.in_all);
    auto * out = reinterpret_cast<uint64_t *>(io.out_all);
    for (int l = 0; l < 32; ++l) {
        if (!(io.present >> l & 1)) continue;
        const int w = in[l].width, b = in[l].operand & 31, base = l & ~(w - 1), last = base + w - 1;
        int j = l;
        switch (mode) {
            case shfl_mode::idx: j = base + (b & (w - 1)); break;
            case shfl_mode::up: j = l - b >= base ? l - b : l; break;          // never wraps
            case shfl_mode::down: j = l + b <= last ? l + b : l; break;       // never wraps
            case shfl_mode::bfly: j = (l ^ b) <= last ? (l ^ b) : l; break;  // may read an earlier segment
        }
        if (!(io.mask >> j & 1)) {
            *io.error = lane_name(l) + " reads " + lane_name(j) + ", which is not in mask " + hex32(io.mask) + " (undefined on hardware)";
            return;
        }
        if (!(io.present >> j & 1)) {
            const engine & e = eng();
            const bool exists = e.cur && e.cur->id.warp * 32 + static_cast<unsigned>(j) < e.nthreads;
            *io.error = lane_name(l) + " reads " + lane_name(j) + (exists ? ", which has exited" : "") + " (undefined on hardware)";
            return;
        }
        out[l] = in[j].bits;
    }
}

constexpr const char * shfl_names[2][4] = {
    {"shfl_sync(idx).b32", "shfl_up_sync.b32", "shfl_down_sync.b32", "shfl_xor_sync.b32"},
    {"shfl_sync(idx).b64", "shfl_up_sync.b64", "shfl_down_sync.b64", "shfl_xor_sync.b64"},
};

}  // namespace

uint64_t shfl_bits(shfl_mode mode, uint32_t mask, uint64_t bits, unsigned bytes, int operand, int width, site where) {
    const char * what = shfl_names[bytes == 8][static_cast<int>(mode)];
    if (width < 1 || width > 32 || (width & (width - 1)) != 0) {
        fault(std::string(what) + " (" + site_str(where) + "): width " + std::to_string(width) + " is not a power of two in [1, 32]");
        return bits;
    }
    shfl_in in{bits, operand, width};
    uint64_t out = 0;
    if (!warp_collective(what, mask, false, &in, sizeof in, &out, sizeof out, shfl_fn, reinterpret_cast<void *>(static_cast<uintptr_t>(mode)), where))
        return bits;
    return out;
}

// ---- votes and __syncwarp -----------------------------------------------------------------------

namespace {

void vote_fn(void * user, const collective_io & io) {
    const auto mode = static_cast<vote_mode>(reinterpret_cast<uintptr_t>(user));
    const auto * in = reinterpret_cast<const int32_t *>(io.in_all);
    auto * out = reinterpret_cast<uint32_t *>(io.out_all);
    uint32_t ballot = 0;
    for (int l = 0; l < 32; ++l)
        if ((io.present >> l & 1) && in[l] != 0) ballot |= 1u << l;
    const uint32_t r = mode == vote_mode::ballot ? ballot : mode == vote_mode::any ? (ballot != 0) : (ballot == io.present);
    for (int l = 0; l < 32; ++l)
        if (io.present >> l & 1) out[l] = r;
}

constexpr const char * vote_names[3] = {"ballot_sync", "any_sync", "all_sync"};

}  // namespace

uint32_t vote(vote_mode mode, uint32_t mask, int pred, site where) {
    int32_t in = pred != 0;
    uint32_t out = 0;
    warp_collective(vote_names[static_cast<int>(mode)], mask, false, &in, sizeof in, &out, sizeof out, vote_fn,
                    reinterpret_cast<void *>(static_cast<uintptr_t>(mode)), where);
    return out;
}

void syncwarp(uint32_t mask, site where) { warp_collective("syncwarp", mask, false, nullptr, 0, nullptr, 0, syncwarp_fn, nullptr, where); }

// ---- hooks for tensor-core.h ----------------------------------------------------------------------

namespace {
void call_warp_fn(void * user, const collective_io & io) { reinterpret_cast<warp_fn>(user)(io.in_all, io.out_all); }
}  // namespace

void warp_collective_call(const char * what, warp_fn fn, const void * my_in, size_t in_bytes, void * my_out, size_t out_bytes) {
    warp_collective(what, 0xffffffffu, true, my_in, in_bytes, my_out, out_bytes, call_warp_fn, reinterpret_cast<void *>(fn), site{nullptr, 0});
}

cp_async_state & current_cp_async_state() {
    engine & e = eng();
    static thread_local cp_async_state host_dummy;  // host code has no thread: give it a private state
    if (!e.cur) return host_dummy;
    fiber & f = *e.cur;
    e.cpa_active = true;
    if (!f.cpa) f.cpa = std::unique_ptr<cp_async_state, void (*)(cp_async_state *)>(new cp_async_state, [](cp_async_state * p) { delete p; });
    uint8_t * base = nullptr;
    size_t bytes = 0;
    current_shared_window(&base, &bytes);
    if (!f.cpa_used) {
        emu_cp_async_init(f.cpa.get(), base, bytes);
        f.cpa_used = true;
    } else {
        f.cpa->shared_base = base;  // static arrays declared since the first use widen the window
        f.cpa->shared_bytes = bytes;
    }
    return *f.cpa;
}

}  // namespace xemb::emu
