// The three planted bugs. Each kernel exists in a correct and a broken version; the correct one
// must pass quietly and the broken one must be caught with a precise report.
//   (a) block reduction missing the syncthreads between the shared-memory writes and the reads
//   (b) a kernel writing one element past the end of its global output (off-by-one bound)
//   (c) a "wrong fragment index": a shuffle-based transpose reading the wrong source lane
#include <cstring>
#include <string>
#include <thread>
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

// ---- (a) missing barrier --------------------------------------------------------------------------
template <bool Correct>
__global__ void reduce_kernel(const float * in, float * out) {
    XEMB_SHARED(float, partial, 256);
    const unsigned t = threadIdx.x;
    partial[t] = in[blockIdx.x * 256 + t];
    if (Correct) prim::syncthreads();  // the planted bug removes this one
    for (unsigned s = 128; s > 0; s >>= 1) {
        if (t < s) partial[t] += partial[t + s];
        prim::syncthreads();
    }
    if (t == 0) out[blockIdx.x] = partial[0];
}

void test_missing_barrier() {
    std::vector<float> in(2 * 256), out(2);
    for (int i = 0; i < 512; ++i) in[i] = static_cast<float>(i % 13);
    float w0 = 0, w1 = 0;
    for (int i = 0; i < 256; ++i) w0 += in[i], w1 += in[256 + i];
    status st = launch("reduce", reduce_kernel<true>, dim3(2), dim3(256), 0, nullptr, in.data(), out.data());
    check(st.ok() && out[0] == w0 && out[1] == w1, "bug (a) reference: the reduction with its barrier passes, no race reported", st.message);

    // Forward schedule: thread 0 reads partial[128] before thread 128 has written it, then thread
    // 128 writes it in the same interval (write after read).
    st = launch("reduce_missing_sync", reduce_kernel<false>, dim3(2), dim3(256), 0, nullptr, in.data(), out.data());
    expect_fault(st, "bug (a) missing syncthreads: race named with kernel, shared address and both threads (forward order)",
                 {"kernel 'reduce_missing_sync'", "shared-memory race in block (0,0,0)", "thread (128,0,0) writes shared offset 0x200",
                  "'partial'[128]", "that thread (0,0,0) read", "since the block started", "syncthreads() is missing"});
    // Reverse schedule: thread 255 writes partial[255] first, thread 127 then reads it (read
    // after write).
    emu::thread_options().order = emu::schedule::reverse;
    st = launch("reduce_missing_sync", reduce_kernel<false>, dim3(2), dim3(256), 0, nullptr, in.data(), out.data());
    emu::thread_options().order = emu::schedule::forward;
    expect_fault(st, "bug (a) missing syncthreads: race named with kernel, shared address and both threads (reverse order)",
                 {"kernel 'reduce_missing_sync'", "thread (127,0,0) reads shared offset 0x3fc", "'partial'[255]", "that thread (255,0,0) wrote"});
    // The race checker is what catches it: with it off (API or XEMB_EMU_RACECHECK=0) the launch
    // "succeeds" as it would on a GPU.
    emu::thread_options().racecheck = false;
    st = launch("reduce_missing_sync", reduce_kernel<false>, dim3(2), dim3(256), 0, nullptr, in.data(), out.data());
    emu::thread_options().racecheck = true;
    check(st.ok(), "bug (a) with the race checker off (options) the launch is not reported", st.message);
    status st_env;
    setenv("XEMB_EMU_RACECHECK", "0", 1);
    std::thread([&] { st_env = launch("reduce_missing_sync", reduce_kernel<false>, dim3(2), dim3(256), 0, nullptr, in.data(), out.data()); }).join();
    unsetenv("XEMB_EMU_RACECHECK");
    check(st_env.ok(), "bug (a) XEMB_EMU_RACECHECK=0 disables the race checker (read per host thread)", st_env.message);
}

// ---- (b) one element past the end ---------------------------------------------------------------------
template <bool Correct>
__global__ void scale_kernel(const float * in, float * out, int n) {
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (Correct ? i < n : i <= n) out[i] = 2.0f * in[i < n ? i : 0];  // the planted bug: <= instead of <
}

// A fixed-size output with a guard band after it, like the devices' guard-banded allocations.
struct guarded {
    static constexpr size_t guard = 256;
    static constexpr unsigned char pattern = 0xA5;
    std::vector<unsigned char> bytes;
    size_t n;
    explicit guarded(size_t count) : bytes(count * sizeof(float) + guard, 0), n(count) { std::memset(bytes.data() + n * sizeof(float), pattern, guard); }
    float * data() { return reinterpret_cast<float *>(bytes.data()); }
    long first_damage() const {
        for (size_t i = 0; i < guard; ++i)
            if (bytes[n * sizeof(float) + i] != pattern) return static_cast<long>(i);
        return -1;
    }
};

void test_off_by_one() {
    const int n = 1000;  // not a multiple of the block: the last block has idle threads
    std::vector<float> in(n);
    for (int i = 0; i < n; ++i) in[i] = static_cast<float>(i);
    guarded ok_out(n), bad_out(n);
    status st = launch("scale", scale_kernel<true>, dim3((n + 255) / 256), dim3(256), 0, nullptr, in.data(), ok_out.data(), n);
    check(st.ok() && ok_out.first_damage() < 0 && ok_out.data()[n - 1] == 2.0f * (n - 1), "bug (b) reference: the bounded kernel leaves the guard band intact",
          st.message);
    st = launch("scale_off_by_one", scale_kernel<false>, dim3((n + 255) / 256), dim3(256), 0, nullptr, in.data(), bad_out.data(), n);
    const long d = bad_out.first_damage();
    const std::string report = d < 0 ? "guard band intact"
                                     : "kernel 'scale_off_by_one' wrote outside its " + std::to_string(n * sizeof(float)) +
                                           "-byte output, first damaged byte at offset " + std::to_string(n * sizeof(float) + static_cast<size_t>(d)) +
                                           " (element " + std::to_string(n) + ", past the end)";
    check(st.ok() && d == 0, "bug (b) off-by-one global write caught by the guard band: " + report, report);
}

// ---- (c) wrong fragment index ----------------------------------------------------------------------------
// An 8x4 matrix A held one element per lane (A[i][j] in lane 4i + j) is transposed into the 4x8
// matrix B = A^T held the same way (B[r][c] in lane 8r + c) with one shuffle: lane L must read
// A[L % 8][L / 8], i.e. lane 4*(L % 8) + L / 8. The broken version swaps the two strides, the
// classic fragment-index mistake; the host reference must reject it.
template <bool Correct>
__global__ void transpose_kernel(const int * a, int * b) {
    const int l = static_cast<int>(prim::lane_id());
    const int src = Correct ? 4 * (l % 8) + l / 8 : 8 * (l % 4) + l / 4;
    b[l] = prim::shfl_sync(0xffffffffu, a[l], src);
}

void test_wrong_fragment_index() {
    std::vector<int> a(32), good(32), bad(32), want(32);
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j) a[4 * i + j] = 10 * i + j;
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 8; ++c) want[8 * r + c] = a[4 * c + r];
    status st = launch("transpose", transpose_kernel<true>, dim3(1), dim3(32), 0, nullptr, a.data(), good.data());
    check(st.ok() && good == want, "bug (c) reference: shuffle transpose with the right source lane matches the host", st.message);
    st = launch("transpose_wrong_lane", transpose_kernel<false>, dim3(1), dim3(32), 0, nullptr, a.data(), bad.data());
    int first = -1, wrong = 0;
    for (int l = 0; l < 32; ++l)
        if (bad[l] != want[l]) {
            if (first < 0) first = l;
            ++wrong;
        }
    const std::string report = wrong ? std::to_string(wrong) + " of 32 lanes wrong, first lane " + std::to_string(first) + " got A element " +
                                           std::to_string(bad[first]) + ", want " + std::to_string(want[first])
                                     : std::string("no difference found");
    check(st.ok() && wrong > 0, "bug (c) wrong fragment index (transpose reading the wrong source lane) rejected by the host reference: " + report,
          st.ok() ? report : st.message);
}

}  // namespace

namespace emu_test {
void run_bug_tests() {
    test_missing_barrier();
    test_off_by_one();
    test_wrong_fragment_index();
}
}  // namespace emu_test
