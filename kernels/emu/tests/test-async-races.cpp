// Races through the tensor-core data paths, which touch shared memory by raw address: the race
// checker must see an ldmatrix row as a read by the lane that supplied it, and a cp.async
// destination as written from the moment the copy is issued (not only where its thread waits).
//   (d) ldmatrix reading a tile another warp stores, with no barrier in between
//   (e) a pipeline refilling a stage with cp.async while another warp still reads it: the
//       barrier between the reads and the issue is missing, the one before the wait is not
#include <cstdint>
#include <string>
#include <vector>

#include "../../cuda/prim/cp-async.cuh"
#include "../../cuda/prim/index.cuh"
#include "../../cuda/prim/launch.cuh"
#include "../../cuda/prim/ldmatrix.cuh"
#include "../../cuda/prim/shared.cuh"
#include "../../cuda/prim/sync.cuh"
#include "check.h"

using namespace xemb;
using namespace emu_test;
namespace prim = xemb::prim;
using xemb::cuda::launch;

namespace {

// ---- (d) ldmatrix after another warp's stores ----------------------------------------------------
// Warp 1 stores an 8x8 b16 tile (one 16-byte row per lane 0..7); warp 0 loads it with ldmatrix.x1.
template <bool Correct>
__global__ void ldsm_kernel(const uint16_t * in, uint32_t * out) {
    XEMB_SHARED(uint16_t, tile, 64);
    const unsigned t = threadIdx.x;
    if (t >= 32 && t < 40)
        for (int c = 0; c < 8; ++c) tile[(t - 32) * 8 + c] = in[(t - 32) * 8 + c];
    if (Correct) prim::syncthreads();
    if (t < 32) {
        uint32_t r[1];
        prim::ldmatrix_x1(r, &tile[(t % 8) * 8]);
        out[t] = r[0];
    }
}

void test_ldmatrix_race() {
    std::vector<uint16_t> in(64);
    for (int i = 0; i < 64; ++i) in[i] = static_cast<uint16_t>(0x3c00 + i);
    std::vector<uint32_t> out(32), want(32);
    // ldmatrix x1 fragment: lane L holds row L/4, columns 2(L%4) and 2(L%4)+1 (low half first)
    for (int l = 0; l < 32; ++l) want[l] = in[(l / 4) * 8 + 2 * (l % 4)] | (static_cast<uint32_t>(in[(l / 4) * 8 + 2 * (l % 4) + 1]) << 16);
    status st = launch("ldsm", ldsm_kernel<true>, dim3(1), dim3(64), 0, nullptr, in.data(), out.data());
    check(st.ok() && out == want, "bug (d) reference: ldmatrix after a barrier reads the stored tile, no race reported", st.message);
    for (auto order : {emu::schedule::forward, emu::schedule::reverse}) {
        emu::thread_options().order = order;
        st = launch("ldsm_missing_sync", ldsm_kernel<false>, dim3(1), dim3(64), 0, nullptr, in.data(), out.data());
        expect_fault(st, std::string("bug (d) ldmatrix with no barrier after another warp's stores: race reported (") +
                             (order == emu::schedule::forward ? "forward" : "reverse") + " order)",
                     {"kernel 'ldsm_missing_sync'", "shared-memory race", "'tile'"});
    }
    emu::thread_options().order = emu::schedule::forward;
}

// ---- (e) cp.async refill of a stage another warp reads -------------------------------------------
template <bool Correct>
__global__ void refill_kernel(const float * in, float * out) {
    XEMB_SHARED(float, stage, 64);
    const unsigned t = threadIdx.x;
    prim::cp_async_ca<4>(&stage[t], &in[t]);
    prim::cp_async_commit();
    prim::cp_async_wait_all();
    prim::syncthreads();
    float v = 0.0f;
    if (t < 32) v = stage[t] + stage[t + 32];  // warp 0 reads both halves
    if (Correct) prim::syncthreads();          // the planted bug removes this one
    if (t >= 32) prim::cp_async_ca<4>(&stage[t], &in[64 + t]);  // warp 1 refills its half
    prim::cp_async_commit();
    prim::syncthreads();
    prim::cp_async_wait_all();
    prim::syncthreads();
    if (t < 32) out[t] = v + stage[t + 32];
}

void test_cp_async_refill_race() {
    std::vector<float> in(128), out(32), want(32);
    for (int i = 0; i < 128; ++i) in[i] = static_cast<float>(i);
    for (int t = 0; t < 32; ++t) want[t] = in[t] + in[t + 32] + in[64 + 32 + t];
    status st = launch("refill", refill_kernel<true>, dim3(1), dim3(64), 0, nullptr, in.data(), out.data());
    check(st.ok() && out == want, "bug (e) reference: a stage refilled after a barrier, no race reported", st.message);
    for (auto order : {emu::schedule::forward, emu::schedule::reverse}) {
        emu::thread_options().order = order;
        st = launch("refill_missing_sync", refill_kernel<false>, dim3(1), dim3(64), 0, nullptr, in.data(), out.data());
        expect_fault(st, std::string("bug (e) cp.async issued into a stage another warp still reads: race reported (") +
                             (order == emu::schedule::forward ? "forward" : "reverse") + " order)",
                     // forward: warp 1's issue races warp 0's reads; reverse: warp 0 reads bytes
                     // whose refill is already pending (the pending-destination rule)
                     {"kernel 'refill_missing_sync'", "'stage'"});
    }
    emu::thread_options().order = emu::schedule::forward;
}

}  // namespace

namespace emu_test {
void run_async_race_tests() {
    test_ldmatrix_race();
    test_cp_async_refill_race();
}
}  // namespace emu_test
