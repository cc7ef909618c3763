#include "peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "../../native/device.h"
#include "../../native/thread-pool.h"
#include "vec.h"

namespace xemb::cpu {

status measure_peaks(device * cpu, int64_t bytes, cpu_peaks & out) {
    exec_ctx ctx = cpu->context(op_id::copy);
    thread_pool & pool = *ctx.pool;
    const vec_kernels & v = vec();
    const int64_t n = std::max<int64_t>(bytes / 4, 1 << 20);
    std::unique_ptr<float, decltype(&std::free)> buf(static_cast<float *>(std::aligned_alloc(64, n * 4)), &std::free);
    if (!buf) return make_status(status_code::out_of_memory, "peaks: could not allocate the read buffer");
    // first touch from the pool so pages are spread like the data of a real kernel
    pool.parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) buf.get()[i] = 1.0f;
    });
    using clock = std::chrono::steady_clock;
    std::atomic<float> sink{0};
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
        auto t0 = clock::now();
        pool.parallel_for(pool.size(), 1, [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) {
                int64_t lo = n * t / pool.size(), hi = n * (t + 1) / pool.size();
                float s = v.read_sum(buf.get() + lo, hi - lo);
                sink.store(s, std::memory_order_relaxed);
            }
        });
        best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    out.read_gbs = static_cast<double>(n) * 4 / best / 1e9;

    const int64_t iters = 2'000'000;
    best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = clock::now();
        pool.parallel_for(pool.size(), 1, [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) sink.store(v.fma_chains(iters, static_cast<float>(t)), std::memory_order_relaxed);
        });
        best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    out.fma_gflops = static_cast<double>(iters) * v.fma_flops_per_iter * pool.size() / best / 1e9;
    out.threads = pool.size();
    out.isa = v.isa;
    return status::success();
}

}  // namespace xemb::cpu
