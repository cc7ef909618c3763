// Measured peaks of this CPU for benchmark reports: streaming read bandwidth on all pool threads
// (vector loads, 1 GiB buffer by default) and f32 FMA throughput on all threads.
#pragma once
#include <cstdint>

#include "../../native/status.h"

namespace xemb {
class device;
}

namespace xemb::cpu {

struct cpu_peaks {
    double read_gbs = 0;     // GB/s (1e9 bytes)
    double fma_gflops = 0;   // GFLOP/s, 2 per FMA
    int threads = 0;
    const char * isa = "";
};

// Runs on the CPU queue thread (uses the pool).
status measure_peaks(device * cpu, int64_t bytes, cpu_peaks & out);

}  // namespace xemb::cpu
