// Warp shuffles (all modes, widths, operands, 32/64-bit types, masks), votes, syncwarp ordering
// for the race checker, and the generic warp-collective hook. Expected values come from an
// independent host transcription of the PTX shfl.sync pseudo-code with the control word the CUDA
// headers build (c = ((32-width) << 8) | 0x1f, or (32-width) << 8 for up), not from the
// emulator's own base/last formulation.
#include <cstring>
#include <string>
#include <vector>

#include "../../cuda/prim/index.cuh"
#include "../../cuda/prim/launch.cuh"
#include "../../cuda/prim/shared.cuh"
#include "../../cuda/prim/sync.cuh"
#include "../../cuda/prim/warp.cuh"
#include "../warp-collective.h"
#include "check.h"

using namespace xemb;
using namespace emu_test;
namespace prim = xemb::prim;
using xemb::cuda::launch;

namespace {

enum mode { m_idx, m_up, m_down, m_bfly };
const char * mode_name[] = {"shfl_sync", "shfl_up_sync", "shfl_down_sync", "shfl_xor_sync"};

// PTX ISA shfl.sync "Semantics", verbatim structure.
int ptx_source_lane(int m, int lane, int operand, int width) {
    const int c = m == m_up ? (32 - width) << 8 : ((32 - width) << 8) | 0x1f;
    const int seg_mask = (c >> 8) & 0x1f, clamp = c & 0x1f;
    const int min_lane = lane & seg_mask, max_lane = min_lane | (clamp & ~seg_mask);
    const int b = operand & 0x1f;
    int j = 0;
    bool pval = false;
    switch (m) {
        case m_up: j = lane - b; pval = j >= max_lane; break;
        case m_down: j = lane + b; pval = j <= max_lane; break;
        case m_bfly: j = lane ^ b; pval = j <= max_lane; break;
        default: j = min_lane | (b & ~seg_mask); pval = j <= max_lane; break;
    }
    return pval ? j : lane;
}

template <class T>
T lane_value(int l) {
    if constexpr (sizeof(T) == 8 && std::is_integral_v<T>) return static_cast<T>((static_cast<uint64_t>(l + 1) << 40) | static_cast<uint64_t>(l * 3 + 1));
    else if constexpr (std::is_same_v<T, double>) return 1e10 * (l + 1) + 0.25 * l;  // distinct high and low halves
    else if constexpr (std::is_same_v<T, float>) return 1.5f * static_cast<float>(l) - 7.0f;
    else return static_cast<T>(l * 0x01010101 + 7);
}

template <class T>
__global__ void shfl_kernel(int m, const int * operands, int width, const T * in, T * out) {
    const unsigned l = prim::lane_id();
    const T v = in[l];
    const int op = operands[l];
    switch (m) {
        case m_idx: out[l] = prim::shfl_sync(0xffffffffu, v, op, width); break;
        case m_up: out[l] = prim::shfl_up_sync(0xffffffffu, v, static_cast<unsigned>(op), width); break;
        case m_down: out[l] = prim::shfl_down_sync(0xffffffffu, v, static_cast<unsigned>(op), width); break;
        default: out[l] = prim::shfl_xor_sync(0xffffffffu, v, op, width); break;
    }
}

template <class T>
void test_shuffles_of(const char * tname) {
    std::vector<T> in(32), out(32);
    for (int l = 0; l < 32; ++l) in[l] = lane_value<T>(l);
    const int uniform_ops[] = {0, 1, 2, 3, 5, 7, 8, 12, 13, 16, 31, 32, 33, -1, -3};
    for (int m = 0; m < 4; ++m) {
        std::string bad;
        int cases = 0;
        for (int width = 1; width <= 32 && bad.empty(); width *= 2) {
            for (int k = 0; k <= 15 && bad.empty(); ++k) {
                std::vector<int> ops(32);
                for (int l = 0; l < 32; ++l) ops[l] = k < 15 ? uniform_ops[k] : (l * 7 + 3) % 37 - 2;  // k = 15: per-lane operands
                status st = launch("shfl_kernel", shfl_kernel<T>, dim3(1), dim3(32), 0, nullptr, m, ops.data(), width, in.data(), out.data());
                ++cases;
                if (!st.ok()) {
                    bad = st.message;
                    break;
                }
                for (int l = 0; l < 32; ++l) {
                    const int j = ptx_source_lane(m, l, ops[l], width);
                    if (std::memcmp(&out[l], &in[j], sizeof(T)) != 0) {
                        bad = "width " + std::to_string(width) + " operand " + std::to_string(ops[l]) + ": lane " + std::to_string(l) +
                              " did not get lane " + std::to_string(j) + "'s value";
                        break;
                    }
                }
            }
        }
        check(bad.empty(), std::string("shuffles: ") + mode_name[m] + "<" + tname + "> matches PTX for widths 1..32 and " + std::to_string(cases) +
                               " operand sets", bad);
    }
}

// Two independent groups in one warp: lanes 0..15 xor within mask 0xffff (width 16), lanes
// 16..31 shift down by 3 within mask 0xffff0000 (width 16); a 2-D block so lanes come from the
// linear thread id; and a 48-thread block whose second warp has 16 lanes.
__global__ void masked_shfl_kernel(const int * in, int * out, int xor_mask) {
    const unsigned t = prim::linear_tid(), l = prim::lane_id();
    const int v = in[t];
    if (l < 16) out[t] = prim::shfl_xor_sync(0x0000ffffu, v, xor_mask, 16);
    else out[t] = prim::shfl_down_sync(0xffff0000u, v, 3, 16);
}

void test_masked_shuffles() {
    for (dim3 block : {dim3(32), dim3(8, 8), dim3(48)}) {
        const unsigned n = block.x * block.y * block.z;
        std::vector<int> in(n), out(n, -1);
        for (unsigned i = 0; i < n; ++i) in[i] = static_cast<int>(i * 10 + 1);
        std::string bad;
        for (int xm : {1, 2, 4, 8, 15}) {
            status st = launch("masked_shfl_kernel", masked_shfl_kernel, dim3(1), block, 0, nullptr, in.data(), out.data(), xm);
            if (!st.ok()) {
                bad = st.message;
                break;
            }
            for (unsigned t = 0; t < n && bad.empty(); ++t) {
                const int l = static_cast<int>(t % 32), base = static_cast<int>(t) - l;
                const int j = l < 16 ? ptx_source_lane(m_bfly, l, xm, 16) : ptx_source_lane(m_down, l, 3, 16);
                if (out[t] != in[base + j]) bad = "xor mask " + std::to_string(xm) + ": thread " + std::to_string(t) + " wrong";
            }
        }
        check(bad.empty(), "shuffles: two masked groups per warp, block (" + std::to_string(block.x) + "," + std::to_string(block.y) + ")", bad);
    }
}

// ---- votes ----------------------------------------------------------------------------------------
struct vote_out {
    unsigned ballot_half, ballot_full, ballot_after_exit;
    int any_half, all_half, any_full, all_full, all_after_exit;
};

__global__ void vote_kernel(const int * pred, vote_out * out) {
    const unsigned l = prim::lane_id();
    const int p = pred[l];
    const unsigned half = (l % 2 == 0) ? 0x55555555u : 0xaaaaaaaau;  // even and odd lanes vote apart
    const unsigned b = prim::ballot_sync(half, p);
    const int an = prim::any_sync(half, p), al = prim::all_sync(half, p);
    const unsigned bf = prim::ballot_sync(0xffffffffu, p);
    const int anf = prim::any_sync(0xffffffffu, p), alf = prim::all_sync(0xffffffffu, p);
    out[l] = vote_out{b, bf, 0, an, al, anf, alf, 0};
    if (l >= 20) return;  // exited lanes count as absent in later votes (sheet 5.3)
    out[l].ballot_after_exit = prim::ballot_sync(0xffffffffu, 1);
    out[l].all_after_exit = prim::all_sync(0xffffffffu, p || l < 20);
}

void test_votes() {
    std::vector<int> pred(32);
    for (int l = 0; l < 32; ++l) pred[l] = (l * 5 + 1) % 3 == 0 ? (l + 1) * 3 : 0;  // non-zero values other than 1
    std::vector<vote_out> out(32);
    status st = launch("vote_kernel", vote_kernel, dim3(1), dim3(32), 0, nullptr, pred.data(), out.data());
    unsigned bal_even = 0, bal_odd = 0;
    for (int l = 0; l < 32; ++l)
        if (pred[l]) (l % 2 ? bal_odd : bal_even) |= 1u << l;
    const unsigned bal = bal_even | bal_odd;
    std::string bad = st.ok() ? "" : st.message;
    for (int l = 0; l < 32 && bad.empty(); ++l) {
        const unsigned bh = l % 2 ? bal_odd : bal_even, hm = l % 2 ? 0xaaaaaaaau : 0x55555555u;
        const vote_out & o = out[l];
        if (o.ballot_half != bh || o.ballot_full != bal || (o.any_half != 0) != (bh != 0) || (o.all_half != 0) != (bh == hm) ||
            (o.any_full != 0) != (bal != 0) || (o.all_full != 0) != (bal == 0xffffffffu))
            bad = "lane " + std::to_string(l) + " wrong vote";
        if (l < 20 && (o.ballot_after_exit != 0x000fffffu || o.all_after_exit == 0)) bad = "lane " + std::to_string(l) + ": exited lanes not excluded";
    }
    check(bad.empty(), "votes: ballot/any/all, masks of even/odd lanes, lanes outside the mask and exited lanes give 0", bad);
}

// ---- syncwarp and the race checker ------------------------------------------------------------------
template <bool Sync>
__global__ void warp_sum_kernel(const float * in, float * out) {
    XEMB_SHARED(float, s, 32);
    const unsigned l = prim::lane_id();
    s[l] = in[l];
    if (Sync) prim::syncwarp();
    for (unsigned off = 16; off > 0; off >>= 1) {
        const float x = l < off ? s[l] + s[l + off] : 0.0f;
        if (Sync) prim::syncwarp();
        if (l < off) s[l] = x;
        if (Sync) prim::syncwarp();
    }
    if (l == 0) out[0] = s[0];
}

void test_syncwarp() {
    std::vector<float> in(32);
    float want = 0;
    for (int l = 0; l < 32; ++l) want += (in[l] = static_cast<float>(l * l));
    float out = -1;
    status st = launch("warp_sum", warp_sum_kernel<true>, dim3(1), dim3(32), 0, nullptr, in.data(), &out);
    check(st.ok() && out == want, "syncwarp: orders shared memory among its lanes (warp-synchronous reduction, no race reported)", st.message);
    st = launch("warp_sum_no_syncwarp", warp_sum_kernel<false>, dim3(1), dim3(32), 0, nullptr, in.data(), &out);
    expect_fault(st, "syncwarp: the same reduction without syncwarp is a race between lanes of one warp",
                 {"kernel 'warp_sum_no_syncwarp'", "shared-memory race", "'s'[", "syncwarp() is missing"});
}

// ---- the generic hook ---------------------------------------------------------------------------------
// What tensor-core primitives will do: gather one record per lane, compute on all 32, scatter.
void reverse_doubled(const void * in_all, void * out_all) {
    const auto * in = static_cast<const uint32_t *>(in_all);
    auto * out = static_cast<uint32_t *>(out_all);
    for (int l = 0; l < 32; ++l) out[l] = in[31 - l] * 2u;
}

void sum_present(void *, const emu::collective_io & io) {
    const auto * in = reinterpret_cast<const uint64_t *>(io.in_all);
    auto * out = reinterpret_cast<uint64_t *>(io.out_all);
    uint64_t s = 0;
    for (int l = 0; l < 32; ++l)
        if (io.present >> l & 1) s += in[l];
    for (int l = 0; l < 32; ++l) out[l] = s;
}

__global__ void hook_kernel(uint32_t * out, uint64_t * sums) {
    const unsigned l = prim::lane_id();
    const uint32_t mine = 100 + l;
    uint32_t got = 0;
    emu::warp_collective_call("test.reverse_doubled", reverse_doubled, &mine, sizeof mine, &got, sizeof got);
    out[l] = got;
    const uint64_t v = l;
    uint64_t s = 0;
    const uint32_t mask = l < 8 ? 0x000000ffu : 0xffffff00u;
    emu::warp_collective("test.sum", mask, false, &v, sizeof v, &s, sizeof s, sum_present, nullptr, emu::site{__FILE__, __LINE__});
    sums[l] = s;
}

void test_hook() {
    std::vector<uint32_t> out(32);
    std::vector<uint64_t> sums(32);
    status st = launch("hook_kernel", hook_kernel, dim3(1), dim3(32), 0, nullptr, out.data(), sums.data());
    bool ok = st.ok();
    for (int l = 0; l < 32 && ok; ++l) ok = out[l] == 2u * (100u + 31u - l) && sums[l] == (l < 8 ? 28u : 468u);
    check(ok, "warp_collective: 32 records gathered before any output, per-mask groups", st.message);
}

}  // namespace

namespace emu_test {
void run_warp_tests() {
    test_shuffles_of<int32_t>("int32");
    test_shuffles_of<uint32_t>("uint32");
    test_shuffles_of<float>("float");
    test_shuffles_of<int64_t>("int64");
    test_shuffles_of<uint64_t>("uint64");
    test_shuffles_of<double>("double");
    test_masked_shuffles();
    test_votes();
    test_syncwarp();
    test_hook();
}
}  // namespace emu_test
