// The emulator's reports: launch configuration, shared-memory limits and bounds, barrier
// divergence and deadlocks, bad warp masks and widths, races of every kind, full-warp hooks, and
// that a launch after a faulting one runs normally.
#include <cstring>
#include <string>
#include <vector>

#include "../../cuda/prim/atomic.cuh"
#include "../../cuda/prim/cp-async.cuh"
#include "../../cuda/prim/index.cuh"
#include "../../cuda/prim/launch.cuh"
#include "../../cuda/prim/shared.cuh"
#include "../../cuda/prim/sync.cuh"
#include "../../cuda/prim/warp.cuh"
#include "../tensor-core.h"
#include "../warp-collective.h"
#include "check.h"

using namespace xemb;
using namespace emu_test;
namespace prim = xemb::prim;
using xemb::cuda::launch;

namespace {

const std::string here = "kernels/emu/tests/test-errors.cpp:";

// Every thread fills a stripe of the dynamic window, then each sums all of it.
__global__ void big_dynamic_kernel(unsigned n, int * sums) {
    auto sm = prim::dynamic_shared<int>();
    for (unsigned i = threadIdx.x; i < n; i += blockDim.x) sm[i] = static_cast<int>(i % 1000);
    prim::syncthreads();
    int acc = 0;
    for (unsigned i = 0; i < n; ++i) acc += sm[i];
    sums[threadIdx.x] = acc;
}

bool prim_max_dynamic_shared_ok() { return xemb::cuda::max_dynamic_shared() == 232448; }

__global__ void noop_kernel(int * out) { out[prim::linear_tid()] = 1; }

struct big_param {
    char bytes[40000];
};
__global__ void big_param_kernel(big_param p, int * out) { out[0] = p.bytes[0]; }

void test_config() {
    std::vector<int> out(2048);
    expect_fault(launch("noop", noop_kernel, dim3(1), dim3(1025), 0, nullptr, out.data()), "config: 1025 threads per block",
                 {"cuda-emu: kernel 'noop'", "invalid launch configuration", "1025 threads", "at most 1024"});
    expect_fault(launch("noop", noop_kernel, dim3(1), dim3(1, 1, 65), 0, nullptr, out.data()), "config: block.z = 65", {"z <= 64"});
    expect_fault(launch("noop", noop_kernel, dim3(1, 65536), dim3(32), 0, nullptr, out.data()), "config: grid.y = 65536", {"65535"});
    expect_fault(launch("noop", noop_kernel, dim3(1), dim3(32), 230 * 1024, nullptr, out.data()), "config: 230 KiB of shared memory (over the 228 KiB per SM)",
                 {"235520 bytes of dynamic shared memory", "227 KiB"});
    {
        // above 48 KiB launch() makes the cudaFuncAttributeMaxDynamicSharedMemorySize opt-in itself
        const unsigned n = 200 * 1024 / sizeof(int);
        std::vector<int> sums(32);
        status st = launch("big_dynamic", big_dynamic_kernel, dim3(1), dim3(32), n * sizeof(int), nullptr, n, sums.data());
        long long want = 0;
        for (unsigned i = 0; i < n; ++i) want += static_cast<int>(i % 1000);
        check(st.ok() && sums[0] == static_cast<int>(want) && sums[31] == static_cast<int>(want) && prim_max_dynamic_shared_ok(),
              "config: 200 KiB of dynamic shared memory (opt-in made by launch) is usable to its last byte", st.message);
    }
    static big_param bp;
    expect_fault(launch("big_param", big_param_kernel, dim3(1), dim3(1), 0, nullptr, bp, out.data()), "config: 40 KB of kernel parameters",
                 {"kernel parameters", "32764"});
    expect_ok(launch("noop", noop_kernel, dim3(0), dim3(32), 0, nullptr, out.data()), "config: an empty grid launches nothing");
}

// ---- shared memory --------------------------------------------------------------------------------
__global__ void big_static_kernel(float * out) {
    XEMB_SHARED(float, big, 13000);  // 52000 bytes: nvcc would refuse it
    big[threadIdx.x] = 1.0f;
    out[0] = big[0];
}

__global__ void oob_static_kernel(float * out) {
    XEMB_SHARED(float, tile, 16, 17);
    tile[threadIdx.x][0] = 1.0f;  // threadIdx.x goes to 31
    out[threadIdx.x] = 0.0f;
}

__global__ void oob_dynamic_kernel(float * out, int n) {
    auto s = prim::dynamic_shared<float>();
    s[threadIdx.x] = 1.0f;  // n floats, n + 1 threads
    out[threadIdx.x] = 0.0f;
}

__global__ void uninit_kernel(float * out) {
    XEMB_SHARED(float, s, 64);
    if (threadIdx.x < 32) s[threadIdx.x] = 1.0f;
    prim::syncthreads();
    out[threadIdx.x] = s[threadIdx.x];
}

void test_shared() {
    std::vector<float> out(64);
    expect_fault(launch("big_static", big_static_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "shared: static arrays over 48 KiB",
                 {"kernel 'big_static'", "'big' (52000 bytes)", "48 KiB"});
    expect_fault(launch("oob_static", oob_static_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "shared: static index out of range",
                 {"kernel 'oob_static' block (0,0,0) thread (16,0,0)", "index 16 is out of range [0, 16) in 'tile'"});
    expect_fault(launch("oob_dynamic", oob_dynamic_kernel, dim3(1), dim3(17), 16 * sizeof(float), nullptr, out.data(), 16), "shared: dynamic index past the launch size",
                 {"thread (16,0,0)", "index 16 is out of range [0, 16) in 'dynamic_shared'"});
    expect_fault(launch("uninit", uninit_kernel, dim3(1), dim3(64), 0, nullptr, out.data()), "shared: read of never-written shared memory",
                 {"kernel 'uninit' block (0,0,0) thread (32,0,0) reads shared offset 0x80 ('s'[32])", "which no thread of the block has written"});
}

// ---- races ----------------------------------------------------------------------------------------
__global__ void waw_kernel(int * out) {
    XEMB_SHARED(int, s, 1);
    s[0] = static_cast<int>(threadIdx.x);  // every thread writes the same word
    prim::syncthreads();
    out[threadIdx.x] = s[0];
}

__global__ void atomic_vs_plain_kernel(int * out) {
    XEMB_SHARED(int, s, 1);
    if (threadIdx.x == 0) s[0] = 0;  // no barrier before the atomics
    prim::atomic_add(&s[0], 1);
    prim::syncthreads();
    out[threadIdx.x] = s[0];
}

void test_races() {
    std::vector<int> out(64);
    expect_fault(launch("waw", waw_kernel, dim3(1), dim3(64), 0, nullptr, out.data()), "races: two writes of one address in one interval",
                 {"kernel 'waw'", "thread (1,0,0) writes shared offset 0x0 ('s'[0]) that thread (0,0,0) wrote", "syncthreads() or syncwarp() is missing"});
    expect_fault(launch("atomic_vs_plain", atomic_vs_plain_kernel, dim3(1), dim3(64), 0, nullptr, out.data()), "races: an atomic against another thread's plain write",
                 {"thread (1,0,0) atomically updates shared offset 0x0 ('s'[0]) that thread (0,0,0) wrote"});
}

// ---- barriers and warp collectives -------------------------------------------------------------------
__global__ void exit_before_barrier_kernel(int * out) {
    if (threadIdx.x >= 100) return;
    prim::syncthreads();
    out[threadIdx.x] = 1;
}

__global__ void two_barriers_kernel(int * out) {
    if (threadIdx.x < 64) prim::syncthreads();
    else prim::syncthreads();
    out[threadIdx.x] = 1;
}

__global__ void shfl_vs_barrier_kernel(int * out) {
    if (prim::lane_id() < 16) out[threadIdx.x] = prim::shfl_sync(0xffffffffu, 1, 0);
    else prim::syncthreads();
}

__global__ void mask_mismatch_kernel(int * out) {
    const unsigned mask = prim::lane_id() < 16 ? 0xffffffffu : 0xfffffff0u;
    out[threadIdx.x] = prim::shfl_sync(mask, static_cast<int>(threadIdx.x), 4);
}

__global__ void not_in_mask_kernel(int * out) { out[threadIdx.x] = prim::shfl_sync(0x1u, 5, 0); }

__global__ void outside_mask_kernel(int * out) {
    if (prim::lane_id() < 16) out[threadIdx.x] = prim::shfl_down_sync(0x0000ffffu, static_cast<int>(threadIdx.x), 1);
}

__global__ void exited_source_kernel(int * out) {
    if (prim::lane_id() >= 16) return;
    out[threadIdx.x] = prim::shfl_down_sync(0xffffffffu, static_cast<int>(threadIdx.x), 16);
}

__global__ void bad_width_kernel(int * out) { out[threadIdx.x] = prim::shfl_xor_sync(0xffffffffu, 1, 1, 3); }

void copy_words(const void * in_all, void * out_all) { std::memcpy(out_all, in_all, 32 * 4); }
__global__ void full_warp_hook_kernel(int * out) {
    const int v = 1;
    int r = 0;
    emu::warp_collective_call("mma.sync(test)", copy_words, &v, sizeof v, &r, sizeof r);
    out[threadIdx.x] = r;
}

void test_sync_faults() {
    std::vector<int> out(128);
    expect_fault(launch("exit_early", exit_before_barrier_kernel, dim3(1), dim3(128), 0, nullptr, out.data()), "barrier: threads exited before syncthreads",
                 {"kernel 'exit_early' cannot finish block (0,0,0): barrier divergence: 100 threads wait at syncthreads (" + here,
                  "28 threads exited without reaching it, e.g. thread (100,0,0)"});
    expect_fault(launch("two_barriers", two_barriers_kernel, dim3(1), dim3(128), 0, nullptr, out.data()), "barrier: threads wait at different syncthreads",
                 {"kernel 'two_barriers'", "barrier divergence: thread (0,0,0) waits at syncthreads (" + here, "while thread (64,0,0) waits at syncthreads (" + here});
    expect_fault(launch("shfl_vs_barrier", shfl_vs_barrier_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "deadlock: shuffle waiting for lanes at syncthreads",
                 {"thread (0,0,0) waits at shfl_sync(idx).b32 with mask 0xffffffff (" + here, "lane 16 of its mask: thread (16,0,0) waits at syncthreads"});
    expect_fault(launch("mask_mismatch", mask_mismatch_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "deadlock: lanes disagree on the mask",
                 {"with mask 0xffffffff", "waits at shfl_sync(idx).b32 with mask 0xfffffff0"});
    expect_fault(launch("not_in_mask", not_in_mask_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "warp mask: caller not in its mask",
                 {"kernel 'not_in_mask' block (0,0,0) warp 0", "lane 1 = thread (1,0,0) passed mask 0x00000001, which does not include its own lane"});
    expect_fault(launch("outside_mask", outside_mask_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "warp mask: shuffle reading a lane outside the mask",
                 {"shfl_down_sync.b32 (" + here, "lane 15 = thread (15,0,0) reads lane 16 = thread (16,0,0), which is not in mask 0x0000ffff"});
    expect_fault(launch("exited_source", exited_source_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "warp mask: shuffle reading an exited lane",
                 {"lane 0 = thread (0,0,0) reads lane 16 = thread (16,0,0), which has exited"});
    expect_fault(launch("exited_source", exited_source_kernel, dim3(1), dim3(16), 0, nullptr, out.data()), "warp mask: shuffle reading a lane the block does not have",
                 {"reads lane 16 (no such thread: the block has 16)"});
    expect_fault(launch("bad_width", bad_width_kernel, dim3(1), dim3(32), 0, nullptr, out.data()), "warp: width 3 is rejected",
                 {"shfl_xor_sync.b32", "width 3 is not a power of two"});
    expect_fault(launch("full_warp_hook", full_warp_hook_kernel, dim3(1), dim3(48), 0, nullptr, out.data()), "hook: a full-warp collective in a 16-lane warp",
                 {"warp 1", "mma.sync(test)", "needs all 32 lanes, but the warp has only 16 threads"});
}

// ---- misc ---------------------------------------------------------------------------------------------
__global__ void nested_kernel(int * out) {
    status st = launch("inner", noop_kernel, dim3(1), dim3(1), 0, nullptr, out);
    out[threadIdx.x] = st.ok() ? 1 : 2;
}

__global__ void misaligned_atomic_kernel(char * buf) { prim::atomic_add(reinterpret_cast<int *>(buf + 1), 1); }

__global__ void cp_async_leak_kernel(const float * src) {
    XEMB_SHARED_ALIGNED(16, float, buf, 4);
    uint8_t * base = nullptr;
    size_t bytes = 0;
    emu::current_shared_window(&base, &bytes);
    std::string err;
    emu::emu_cp_async_issue(&emu::current_cp_async_state(), emu::cp_async_cache::ca, static_cast<size_t>(reinterpret_cast<uint8_t *>(prim::raw(buf)) - base),
                            src, 16, 16, &err);
}

// thread 0 copies 16 bytes into `buf` with cp.async; thread 1 reads buf[0] after a barrier that
// came before thread 0's wait_group (the classic bug), or only after wait_group + barrier
template <bool Early>
__global__ void cp_async_touch_kernel(const float * src, float * out) {
    XEMB_SHARED_ALIGNED(16, float, buf, 4);
    if (threadIdx.x == 0) {
        prim::cp_async_ca<16>(prim::raw(buf), src);
        prim::cp_async_commit();
    }
    prim::syncthreads();
    if (Early && threadIdx.x == 1) out[0] = buf[0];
    if (threadIdx.x == 0) prim::cp_async_wait_all();
    prim::syncthreads();
    if (threadIdx.x == 1) out[1] = buf[0];
}

__global__ void deep_stack_kernel(int * out) {
    // consume all but ~512 bytes of the fiber stack: into the canary zone, short of the guard page
    const size_t left = emu::stack_left();
    volatile char * p = static_cast<volatile char *>(__builtin_alloca(left - 512));
    for (size_t i = 0; i < left - 512; i += 64) p[i] = 1;
    out[0] = p[0];
}

void test_misc() {
    std::vector<int> out(64);
    int dummy = 0;
    launch("nested", nested_kernel, dim3(1), dim3(1), 0, nullptr, out.data());
    check(out[0] == 2, "launch from inside a kernel is refused with a status");
    alignas(8) char buf[16] = {};
    expect_fault(launch("misaligned", misaligned_atomic_kernel, dim3(1), dim3(1), 0, nullptr, buf), "atomics: misaligned address", {"4-byte atomic", "not 4-byte aligned"});
    alignas(16) float src[4] = {1, 2, 3, 4};
    expect_fault(launch("cp_async_leak", cp_async_leak_kernel, dim3(1), dim3(1), 0, nullptr, src), "cp.async: a thread exiting with copies pending",
                 {"kernel 'cp_async_leak'", "1 cp.async copies never waited for"});
    float got[2] = {0, 0};
    status ok = launch("cp_async_touch_ok", cp_async_touch_kernel<false>, dim3(1), dim3(2), 0, nullptr, src, got);
    check(ok.ok() && got[1] == 1.0f, "cp.async: destination read after wait_group + barrier sees the copy", ok.message);
    // forward order lets thread 0 finish its wait before thread 1 reads: reported as a plain race
    expect_fault(launch("cp_async_touch_early", cp_async_touch_kernel<true>, dim3(1), dim3(2), 0, nullptr, src, got),
                 "cp.async: a read racing the completed copy (no barrier after the wait) is reported",
                 {"kernel 'cp_async_touch_early'", "thread (1,0,0) reads shared offset 0x0 ('buf'[0]) that thread (0,0,0) wrote"});
    // reverse order: thread 1 reads while thread 0's copy is still in flight
    emu::thread_options().order = emu::schedule::reverse;
    status early = launch("cp_async_touch_early", cp_async_touch_kernel<true>, dim3(1), dim3(2), 0, nullptr, src, got);
    emu::thread_options().order = emu::schedule::forward;
    expect_fault(early, "cp.async: touching a still-pending destination is reported",
                 {"kernel 'cp_async_touch_early'", "thread (1,0,0) reads shared offset", "cp.async of thread (0,0,0) to it is still pending"});
    expect_fault(launch("deep_stack", deep_stack_kernel, dim3(1), dim3(2), 0, nullptr, &dummy), "stack: a kernel reaching the stack's canary zone is reported",
                 {"kernel 'deep_stack' used more than 63 KiB of a fiber stack", "XEMB_EMU_STACK_KB"});
    std::fill(out.begin(), out.end(), 0);
    status st = launch("noop", noop_kernel, dim3(1), dim3(64), 0, nullptr, out.data());
    bool all = st.ok();
    for (int v : out) all &= v == 1;
    check(all, "a launch after faulting launches runs normally (fibers restarted)", st.message);
}

}  // namespace

namespace emu_test {
void run_error_tests() {
    test_config();
    test_shared();
    test_races();
    test_sync_faults();
    test_misc();
}
}  // namespace emu_test
