// Thread/block indices, barriers (with divergent arrival order and every schedule), dynamic
// shared memory and atomics.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "../../cuda/prim/atomic.cuh"
#include "../../cuda/prim/emu-compat.h"
#include "../../cuda/prim/index.cuh"
#include "../../cuda/prim/launch.cuh"
#include "../../cuda/prim/shared.cuh"
#include "../../cuda/prim/sync.cuh"
#include "../../cuda/prim/warp.cuh"
#include "check.h"

using namespace xemb;
using namespace emu_test;
namespace prim = xemb::prim;
using xemb::cuda::launch;

namespace {

const char * order_name(emu::schedule s) { return s == emu::schedule::forward ? "forward" : s == emu::schedule::reverse ? "reverse" : "random"; }
const emu::schedule all_orders[] = {emu::schedule::forward, emu::schedule::reverse, emu::schedule::random};

// ---- indices --------------------------------------------------------------------------------------
struct ids {
    unsigned tx, ty, tz, bx, by, bz, dx, dy, dz, gx, gy, gz, linear, lane, warp;
};

__global__ void index_kernel(ids * out) {
    const unsigned tl = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    const unsigned bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    const prim::xyz t = prim::thread_idx(), b = prim::block_idx(), d = prim::block_dim(), g = prim::grid_dim();
    out[bl * blockDim.x * blockDim.y * blockDim.z + tl] = ids{t.x, t.y, t.z, b.x, b.y, b.z, d.x, d.y, d.z, g.x, g.y, g.z,
                                                             prim::linear_tid(), prim::lane_id(), prim::warp_id()};
}

void test_indices() {
    const dim3 grid(3, 2, 2), block(5, 3, 4);  // 60 threads: a partial second warp
    const unsigned nt = 60, nb = 12;
    std::vector<ids> out(nt * nb);
    status st = launch("index_kernel", index_kernel, grid, block, 0, nullptr, out.data());
    std::string bad;
    for (unsigned b = 0; b < nb && bad.empty(); ++b)
        for (unsigned t = 0; t < nt && bad.empty(); ++t) {
            const ids & r = out[b * nt + t];
            const ids want{t % 5, t / 5 % 3, t / 15, b % 3, b / 3 % 2, b / 6, 5, 3, 4, 3, 2, 2, t, t % 32, t / 32};
            if (std::memcmp(&r, &want, sizeof r) != 0) bad = "block " + std::to_string(b) + " thread " + std::to_string(t) + " wrong";
        }
    check(st.ok() && bad.empty(), "indices: threadIdx/blockIdx/blockDim/gridDim and prim::*_idx, lane = linear % 32 (3-D block of 60)",
          st.ok() ? bad : st.message);
}

// ---- barriers -------------------------------------------------------------------------------------
// Broken on purpose: lanes < 16 call syncwarp(0xffff) t % 4 times, a different count per lane,
// so some wait at syncwarp for lanes that went on to the block barrier (a hang on hardware).
__global__ void barrier_kernel(const int * in, int * out) {
    XEMB_SHARED(int, s, 256);
    const unsigned t = threadIdx.x;
    int v = in[blockIdx.x * 256 + t];
    if (prim::warp_id() % 2 == 0)
        for (int r = 0; r < 5; ++r) v += prim::shfl_xor_sync(0xffffffffu, v, 1) - prim::shfl_xor_sync(0xffffffffu, v, 1);
    if (prim::lane_id() < 16)
        for (unsigned r = 0; r < t % 4; ++r) prim::syncwarp(0x0000ffffu);
    s[t] = v;
    prim::syncthreads();
    const int l = s[(t + 255) % 256], r = s[(t + 1) % 256];
    prim::syncthreads();
    s[t] = l + r;  // overwrite after everyone has read: the second barrier makes this legal
    prim::syncthreads();
    out[blockIdx.x * 256 + t] = s[(t + 128) % 256];
}

// Before the barrier, warps do different amounts of warp-level work (even warps: 10 shuffles;
// lanes < 16: warp_id % 4 half-warp syncwarps), so threads reach it in scrambled order; the
// values must still be exchanged exactly as on hardware.
__global__ void barrier_kernel_uniform(const int * in, int * out) {
    XEMB_SHARED(int, s, 256);
    const unsigned t = threadIdx.x;
    int v = in[blockIdx.x * 256 + t];
    if (prim::warp_id() % 2 == 0)
        for (int r = 0; r < 5; ++r) v = prim::shfl_xor_sync(0xffffffffu, prim::shfl_xor_sync(0xffffffffu, v, 1), 1);
    if (prim::lane_id() < 16)
        for (unsigned r = 0; r < prim::warp_id() % 4; ++r) prim::syncwarp(0x0000ffffu);
    s[t] = v;
    prim::syncthreads();
    const int l = s[(t + 255) % 256], r = s[(t + 1) % 256];
    prim::syncthreads();
    s[t] = l + r;
    prim::syncthreads();
    out[blockIdx.x * 256 + t] = s[(t + 128) % 256];
}

void test_barriers() {
    const int nb = 3;
    std::vector<int> in(nb * 256), out(nb * 256), want(nb * 256);
    for (int i = 0; i < nb * 256; ++i) in[i] = i * 7 + 3;
    for (int b = 0; b < nb; ++b)
        for (int t = 0; t < 256; ++t) {
            const int u = (t + 128) % 256;
            want[b * 256 + t] = in[b * 256 + (u + 255) % 256] + in[b * 256 + (u + 1) % 256];
        }
    for (emu::schedule o : all_orders) {
        emu::thread_options().order = o;
        std::fill(out.begin(), out.end(), 0);
        status st = launch("barrier_kernel_uniform", barrier_kernel_uniform, dim3(nb), dim3(256), 0, nullptr, in.data(), out.data());
        check(st.ok() && out == want, std::string("barriers: rendezvous with scrambled arrival order, schedule ") + order_name(o), st.message);
    }
    emu::thread_options().order = emu::schedule::forward;
    // The first variant makes lanes of one half-warp call syncwarp a different number of times:
    // the extra calls wait for lanes that went on to the block barrier -> reported, not a hang.
    status st = launch("barrier_kernel", barrier_kernel, dim3(1), dim3(256), 0, nullptr, in.data(), out.data());
    expect_fault(st, "barriers: lanes stuck in syncwarp while others wait at syncthreads are reported",
                 {"kernel 'barrier_kernel'", "cannot finish block (0,0,0)", "syncwarp", "syncthreads"});
}

// Hillis-Steele inclusive scan, double-buffered: two barriers per step.
__global__ void scan_kernel(const int * in, int * out, int n) {
    XEMB_SHARED(int, buf, 2, 128);
    const int t = static_cast<int>(threadIdx.x);
    int cur = 0;
    buf[0][t] = in[t];
    prim::syncthreads();
    for (int off = 1; off < n; off *= 2) {
        const int nxt = 1 - cur;
        const int here = buf[cur][t];
        buf[nxt][t] = t >= off ? here + buf[cur][t - off] : here;
        prim::syncthreads();
        cur = nxt;
    }
    out[t] = buf[cur][t];
}

void test_scan() {
    std::vector<int> in(128), out(128), want(128);
    for (int i = 0, acc = 0; i < 128; ++i) {
        in[i] = (i * 37) % 11 - 5;
        acc += in[i];
        want[i] = acc;
    }
    for (emu::schedule o : all_orders) {
        emu::thread_options().order = o;
        status st = launch("scan_kernel", scan_kernel, dim3(1), dim3(128), 0, nullptr, in.data(), out.data(), 128);
        check(st.ok() && out == want, std::string("barriers: double-buffered scan, 7 barrier intervals, no race reported, schedule ") + order_name(o),
              st.message);
    }
    emu::thread_options().order = emu::schedule::forward;
}

// Launches on different host threads run concurrently: every emulator structure is per thread.
void test_host_threads() {
    std::vector<int> in(128), want(128);
    for (int i = 0, acc = 0; i < 128; ++i) acc += (in[i] = i % 5 - 2), want[i] = acc;
    std::atomic<int> good{0};
    std::vector<std::thread> pool;
    for (int h = 0; h < 3; ++h)
        pool.emplace_back([&] {
            std::vector<int> out(128);
            int ok = 0;
            for (int r = 0; r < 50; ++r) ok += launch("scan_kernel", scan_kernel, dim3(1), dim3(128), 0, nullptr, in.data(), out.data(), 128).ok() && out == want;
            good += ok;
        });
    for (auto & t : pool) t.join();
    check(good == 150, "host threads: 3 threads x 50 concurrent launches, each with its own fibers and shared memory");
}

// ---- dynamic shared memory ------------------------------------------------------------------------
__global__ void reverse_kernel(const float * in, float * out, int n) {
    auto s = prim::dynamic_shared<float>();
    auto tail = prim::dynamic_shared<int>() + n;  // a second array after the floats
    const int t = static_cast<int>(threadIdx.x);
    s[t] = in[blockIdx.x * n + t];
    if (t == 0) tail[0] = n;
    prim::syncthreads();
    out[blockIdx.x * n + t] = s[n - 1 - t] + static_cast<float>(tail[0] - n);
}

void test_dynamic_shared() {
    const int n = 96, nb = 2;
    std::vector<float> in(n * nb), out(n * nb), want(n * nb);
    for (int i = 0; i < n * nb; ++i) in[i] = 0.5f * static_cast<float>(i);
    for (int b = 0; b < nb; ++b)
        for (int t = 0; t < n; ++t) want[b * n + t] = in[b * n + n - 1 - t];
    status st = launch("reverse_kernel", reverse_kernel, dim3(nb), dim3(n), n * sizeof(float) + sizeof(int), nullptr, in.data(), out.data(), n);
    check(st.ok() && out == want, "dynamic shared memory: sized by the launch, two views into it", st.message);
}

// ---- atomics --------------------------------------------------------------------------------------
struct atomic_out {
    int32_t i32;
    uint32_t u32max, u32min;
    int64_t i64;
    uint64_t u64;
    float f32, f32max, f32min;
    double f64, f64max, f64min;
    int32_t i32max, i32min;
    int64_t i64max, i64min;
    uint64_t u64max;
    int32_t hist_ok;
};

__global__ void atomic_kernel(atomic_out * o, int * claimed) {
    XEMB_SHARED(int32_t, hist, 8);
    XEMB_SHARED(double, dsum, 1);
    const unsigned t = threadIdx.x, g = blockIdx.x * blockDim.x + t;
    const int64_t sv = (static_cast<int64_t>(g) - 300) * 1000000007LL;
    prim::atomic_add(&o->i32, static_cast<int32_t>(g) - 100);
    prim::atomic_max(&o->u32max, g * 2654435761u);
    prim::atomic_min(&o->u32min, g * 2654435761u + 1u);
    prim::atomic_add(&o->i64, sv);
    prim::atomic_add(&o->u64, static_cast<uint64_t>(g) << 33);
    prim::atomic_add(&o->f32, 0.25f * static_cast<float>(g));
    prim::atomic_max(&o->f32max, static_cast<float>(static_cast<int>(g) - 500) * 0.5f);
    prim::atomic_min(&o->f32min, static_cast<float>(static_cast<int>(g) - 500) * 0.5f);
    prim::atomic_add(&o->f64, 0.125 * static_cast<double>(g));
    prim::atomic_max(&o->f64max, -static_cast<double>(g));
    prim::atomic_min(&o->f64min, static_cast<double>(g) + 0.5);
    prim::atomic_max(&o->i32max, static_cast<int32_t>(g % 97) - 50);
    prim::atomic_min(&o->i32min, static_cast<int32_t>(g % 97) - 50);
    prim::atomic_max(&o->i64max, sv);
    prim::atomic_min(&o->i64min, sv);
    prim::atomic_max(&o->u64max, static_cast<uint64_t>(g) * uint64_t{0x9E3779B97F4A7C15ULL});
    // every thread claims the first free slot with CAS: slots end up a permutation of threads
    for (int s = 0;; ++s)
        if (prim::atomic_cas(&claimed[s], -1, static_cast<int>(g)) == -1) break;
    // shared-memory atomics: a histogram; atomics never race with each other
    if (t < 8) hist[t] = 0;
    if (t == 0) dsum[0] = 0.0;
    prim::syncthreads();
    prim::atomic_add(&hist[t % 8], 1);
    prim::atomic_add(&dsum[0], 1.0);
    prim::syncthreads();
    if (t == 0) {
        int ok = 1;
        for (int i = 0; i < 8; ++i) ok &= hist[i] == static_cast<int>(blockDim.x / 8);
        ok &= dsum[0] == static_cast<double>(blockDim.x);
        prim::atomic_add(&o->hist_ok, ok);
    }
}

void test_atomics() {
    const unsigned nb = 4, nt = 256, n = nb * nt;
    atomic_out o{};
    o.u32min = 0xffffffffu;
    o.f32max = -1e30f;
    o.f32min = 1e30f;
    o.f64max = -1e300;
    o.f64min = 1e300;
    o.i32max = INT32_MIN;
    o.i32min = INT32_MAX;
    o.i64max = INT64_MIN;
    o.i64min = INT64_MAX;
    std::vector<int> claimed(n, -1);
    status st = launch("atomic_kernel", atomic_kernel, dim3(nb), dim3(nt), 0, nullptr, &o, claimed.data());
    atomic_out w{};
    w.u32min = 0xffffffffu;
    w.f32max = -1e30f, w.f32min = 1e30f, w.f64max = -1e300, w.f64min = 1e300;
    w.i32max = INT32_MIN, w.i32min = INT32_MAX, w.i64max = INT64_MIN, w.i64min = INT64_MAX;
    for (unsigned g = 0; g < n; ++g) {
        const int64_t sv = (static_cast<int64_t>(g) - 300) * 1000000007LL;
        w.i32 += static_cast<int32_t>(g) - 100;
        w.u32max = std::max(w.u32max, g * 2654435761u);
        w.u32min = std::min(w.u32min, g * 2654435761u + 1u);
        w.i64 += sv;
        w.u64 += static_cast<uint64_t>(g) << 33;
        w.f32 += 0.25f * static_cast<float>(g);  // exact: all partial sums are multiples of 1/4 below 2^24
        w.f32max = std::max(w.f32max, static_cast<float>(static_cast<int>(g) - 500) * 0.5f);
        w.f32min = std::min(w.f32min, static_cast<float>(static_cast<int>(g) - 500) * 0.5f);
        w.f64 += 0.125 * static_cast<double>(g);
        w.f64max = std::max(w.f64max, -static_cast<double>(g));
        w.f64min = std::min(w.f64min, static_cast<double>(g) + 0.5);
        w.i32max = std::max(w.i32max, static_cast<int32_t>(g % 97) - 50);
        w.i32min = std::min(w.i32min, static_cast<int32_t>(g % 97) - 50);
        w.i64max = std::max(w.i64max, sv);
        w.i64min = std::min(w.i64min, sv);
        w.u64max = std::max(w.u64max, static_cast<uint64_t>(g) * uint64_t{0x9E3779B97F4A7C15ULL});
    }
    w.hist_ok = static_cast<int32_t>(nb);
    std::vector<int> sorted = claimed;
    std::sort(sorted.begin(), sorted.end());
    bool perm = true;
    for (unsigned i = 0; i < n; ++i) perm &= sorted[i] == static_cast<int>(i);
    check(st.ok() && std::memcmp(&o, &w, sizeof o) == 0 && perm,
          "atomics: add/max/min/CAS on int32/uint32/int64/uint64/float/double, global and shared, no race between atomics",
          st.ok() ? (perm ? "values differ from the host" : "CAS claims are not a permutation") : st.message);
}

// ---- exact arithmetic intrinsics --------------------------------------------------------------------
// x*x - y with x = 1 + 2^-12 (float) / 1 + 2^-27 (double) and y = x*x rounded: 0 when the product
// is rounded on its own (__fmul_rn then __fadd_rn, as on the GPU), 2^-24 / 2^-54 when fused.
__global__ void intrinsics_kernel(const float * f, const double * d, float * fo, double * dout) {
    fo[0] = __fadd_rn(__fmul_rn(f[0], f[0]), -f[1]);
    fo[1] = __fsub_rn(f[0] * f[0], f[1]);  // a plain product as operand is rounded too
    fo[2] = fmaf(f[0], f[0], -f[1]);
    fo[3] = __fdiv_rn(f[2], f[3]);
    dout[0] = __dadd_rn(__dmul_rn(d[0], d[0]), -d[1]);
    dout[1] = __dadd_rn(d[0] * d[0], -d[1]);
    dout[2] = std::fma(d[0], d[0], -d[1]);
}

void test_intrinsics() {
    const float fx = 1.0f + std::ldexp(1.0f, -12), fy = 1.0f + std::ldexp(1.0f, -11);
    const double dx = 1.0 + std::ldexp(1.0, -27), dy = 1.0 + std::ldexp(1.0, -26);
    const float f[4] = {fx, fy, 1.0f, 3.0f};
    const double d[2] = {dx, dy};
    float fo[4] = {};
    double dout[3] = {};
    status st = launch("intrinsics", intrinsics_kernel, dim3(1), dim3(1), 0, nullptr, f, d, fo, dout);
    const bool ok = st.ok() && fo[0] == 0.0f && fo[1] == 0.0f && fo[2] == std::ldexp(1.0f, -24) && fo[3] == 1.0f / 3.0f && dout[0] == 0.0 &&
                    dout[1] == 0.0 && dout[2] == std::ldexp(1.0, -54);
    check(ok, "intrinsics: __fadd_rn/__fsub_rn/__fmul_rn/__fdiv_rn/__dadd_rn/__dmul_rn round each operation (never fused); fmaf fuses",
          st.ok() ? "fused or wrongly rounded results" : st.message);
}

}  // namespace

namespace emu_test {
void run_basic_tests() {
    test_intrinsics();
    test_indices();
    test_barriers();
    test_scan();
    test_host_threads();
    test_dynamic_shared();
    test_atomics();
}
}  // namespace emu_test
