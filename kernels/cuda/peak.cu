// Measured peaks of a CUDA device for benchmark reports: device-to-device copy bandwidth
// (cudaMemcpyAsync of 1 GiB, read + write bytes counted) and bf16 tensor-core throughput
// (independent mma.sync m16n8k16 chains on registers, enough warps to fill every SM). Real GPUs
// only: this file is not part of the cuda-emu build.
#include <algorithm>

#include "common.cuh"
#include "peak.h"
#include "prim/mma.cuh"

namespace xemb::cuda {

namespace {

constexpr int chains = 4;  // independent accumulators per warp hide the mma latency

__global__ void mma_peak_kernel(int iters, float * sink) {
    const uint32_t one = 0x3f803f80u;  // bf16 pair (1.0, 1.0)
    uint32_t a[4] = {one, one, one, one}, b[2] = {one, one};
    float acc[chains][4] = {};
    for (int i = 0; i < iters; ++i)
        for (int c = 0; c < chains; ++c) prim::mma_m16n8k16_bf16(acc[c], a, b, acc[c]);
    float s = 0.0f;
    for (int c = 0; c < chains; ++c) s += acc[c][0] + acc[c][1] + acc[c][2] + acc[c][3];
    if (s == -1.0f) sink[0] = s;  // never true: keeps the loop from being optimised away
}

status check(cudaError_t e, const char * what) { return status_from_cuda(e, what); }

}  // namespace

status measure_peaks(cudaStream_t stream, int sm_count, device_peaks & out) {
    const size_t bytes = size_t(1) << 30;
    void * src = nullptr;
    void * dst = nullptr;
    cudaEvent_t t0 = nullptr, t1 = nullptr;
    float * sink = nullptr;
    status st = check(cudaMalloc(&src, bytes), "peaks: cudaMalloc");
    if (st.ok()) st = check(cudaMalloc(&dst, bytes), "peaks: cudaMalloc");
    if (st.ok()) st = check(cudaMalloc(&sink, sizeof(float)), "peaks: cudaMalloc");
    if (st.ok()) st = check(cudaEventCreate(&t0), "peaks: cudaEventCreate");
    if (st.ok()) st = check(cudaEventCreate(&t1), "peaks: cudaEventCreate");
    float best = 1e30f;
    for (int rep = 0; st.ok() && rep < 5; ++rep) {
        float ms = 0;
        st = check(cudaEventRecord(t0, stream), "peaks: cudaEventRecord");
        if (st.ok()) st = check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream), "peaks: cudaMemcpyAsync");
        if (st.ok()) st = check(cudaEventRecord(t1, stream), "peaks: cudaEventRecord");
        if (st.ok()) st = check(cudaEventSynchronize(t1), "peaks: cudaEventSynchronize");
        if (st.ok()) st = check(cudaEventElapsedTime(&ms, t0, t1), "peaks: cudaEventElapsedTime");
        if (st.ok() && rep > 0) best = std::min(best, ms);  // rep 0 warms up
    }
    if (st.ok()) out.read_gbs = 2.0 * static_cast<double>(bytes) / (best * 1e-3) / 1e9;

    const int iters = 4096, blocks = sm_count * 8, threads = 128;
    best = 1e30f;
    for (int rep = 0; st.ok() && rep < 4; ++rep) {
        float ms = 0;
        st = check(cudaEventRecord(t0, stream), "peaks: cudaEventRecord");
        if (st.ok()) st = launch("mma_peak", mma_peak_kernel, dim3(blocks), dim3(threads), 0, stream, iters, sink);
        if (st.ok()) st = check(cudaEventRecord(t1, stream), "peaks: cudaEventRecord");
        if (st.ok()) st = check(cudaEventSynchronize(t1), "peaks: cudaEventSynchronize");
        if (st.ok()) st = check(cudaEventElapsedTime(&ms, t0, t1), "peaks: cudaEventElapsedTime");
        if (st.ok() && rep > 0) best = std::min(best, ms);
    }
    const double warps = static_cast<double>(blocks) * threads / 32;
    if (st.ok()) out.flops_g = warps * iters * chains * (2.0 * 16 * 8 * 16) / (best * 1e-3) / 1e9;
    out.label = "bf16 mma.sync m16n8k16";
    for (void * p : {src, dst, static_cast<void *>(sink)})
        if (p) cudaFree(p);
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
    return st;
}

}  // namespace xemb::cuda
