// emu-test --bench: throughput of the emulator on this machine (not a check).
#include <chrono>
#include <cstdio>
#include <vector>

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

__global__ void store_kernel(float * out) { out[blockIdx.x * blockDim.x + threadIdx.x] = 1.0f; }

__global__ void barrier_loop_kernel(float * out, int rounds) {
    XEMB_SHARED(float, s, 256);
    float acc = 0.0f;
    for (int r = 0; r < rounds; ++r) {
        s[threadIdx.x] = static_cast<float>(r);
        prim::syncthreads();
        acc += s[(threadIdx.x + 1) % 256];
        prim::syncthreads();
    }
    out[blockIdx.x * 256 + threadIdx.x] = acc;
}

__global__ void shfl_loop_kernel(float * out, int rounds) {
    float v = static_cast<float>(threadIdx.x);
    for (int r = 0; r < rounds; ++r) v += prim::shfl_xor_sync(0xffffffffu, v, r & 31);
    out[blockIdx.x * 256 + threadIdx.x] = v;
}

template <class F>
double seconds(F && f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

namespace emu_test {
void run_bench() {
    std::vector<float> out(1 << 22);
    for (bool rc : {true, false}) {
        emu::thread_options().racecheck = rc;
        std::printf("race checker %s\n", rc ? "on" : "off");
        emu::stats s0 = emu::thread_stats();
        double t = seconds([&] { launch("store", store_kernel, dim3(16384), dim3(256), 0, nullptr, out.data()); });
        emu::stats s1 = emu::thread_stats();
        std::printf("  store kernel, 16384 x 256 threads: %.3f s, %.1f M threads/s (%.0f ns per thread)\n", t, (s1.threads - s0.threads) / t / 1e6,
                    t * 1e9 / static_cast<double>(s1.threads - s0.threads));
        t = seconds([&] { launch("barrier_loop", barrier_loop_kernel, dim3(64), dim3(256), 0, nullptr, out.data(), 100); });
        emu::stats s2 = emu::thread_stats();
        std::printf("  barrier loop, 64 x 256 threads x 200 barriers: %.3f s, %.1f M fiber resumes/s (2 context switches each), %.0f barriers/s\n", t,
                    (s2.switches - s1.switches) / t / 1e6, (s2.barriers - s1.barriers) / t);
        t = seconds([&] { launch("shfl_loop", shfl_loop_kernel, dim3(64), dim3(256), 0, nullptr, out.data(), 100); });
        emu::stats s3 = emu::thread_stats();
        std::printf("  shuffle loop, 64 x 256 threads x 100 shfl_xor: %.3f s, %.2f M warp collectives/s, %.1f M fiber resumes/s\n", t,
                    (s3.collectives - s2.collectives) / t / 1e6, (s3.switches - s2.switches) / t / 1e6);
    }
    std::printf("deepest fiber stack use so far: %zu bytes of %zu\n", emu::stack_high_water(), emu::thread_options().stack_bytes);
}
}  // namespace emu_test
