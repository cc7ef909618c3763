// bf16 x bf16 GEMM pieces (gemm.h, format amx_bf16) for AMX (Sapphire Rapids and newer, within
// the avx512bf16 level; XEMB_CPU_AMX=0 turns it off): c[32 x 32] += a · b as 2 x 2 tiles of
// 16 x 16 f32 with TDPBF16PS, k in steps of 32. B panels keep the bf16x2 layout [K/2][32][2] (a
// B tile is 16 pair-rows of 16 columns, row stride 128 bytes) with K zero-padded to a multiple
// of 32; an A panel is 32 rows x kc (k zero-padded to 32) row-major, loaded as two A tiles.
// kc 256 / mc 256 (kc: best of 128..4096 at 256 x 4096 x 4096, 1 thread, ~1.1 TFLOP/s vs ~0.75
// at kc 1024; mc: 256 beat 128, 384 and 512 on 2 threads at the target and vision shapes, quiet
// machine): a 16 KiB B micro-panel (256 x 32) stays in L1 while the 8 A panels of a block stream
// from L2, and a 256-row prefill reads every B panel from memory once; kc 512 (32 KiB B + 32 KiB
// A panel > 48 KiB L1) is the worst point of the kc sweep.
// Numerics as vdpbf16ps (gemm-avx512bf16.cpp): exact bf16 products accumulated in f32, bf16
// denormal inputs and f32 denormal results flushed to zero, order within a tile step unspecified.
// Reference: Intel SDM vol. 1 ch. 20 (AMX) and TDPBF16PS; Linux Documentation/arch/x86/xstate.rst
// (a process must request XTILEDATA with arch_prctl before its first tile instruction).
#pragma GCC target("amx-tile,amx-bf16")
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "../../native/half.h"
#include "gemm.h"

namespace xemb::cpu::gemm_amx {

namespace {

constexpr int MR = 32;
constexpr int NR = 32;
constexpr int64_t KSTEP = 32;

void pack_b(const gemm_operand & b, int64_t n0, int64_t n_valid, int64_t K, void * dst_) {
    uint16_t * dst = static_cast<uint16_t *>(dst_);
    const int64_t kpad = (K + KSTEP - 1) / KSTEP * KSTEP;
    std::memset(dst, 0, static_cast<size_t>(kpad * NR) * 2);
    for (int64_t j = 0; j < n_valid; ++j) {
        const int64_t base = (n0 + j) * b.si;
        for (int64_t k = 0; k < K; ++k) dst[((k >> 1) * NR + j) * 2 + (k & 1)] = to_bf16_bits(b.data, b.type, base + k * b.sk);
    }
}

void pack_a(const gemm_operand & a, int64_t m0, int64_t rows, int64_t k0, int64_t kc, void * dst_) {
    uint16_t * dst = static_cast<uint16_t *>(dst_);
    const int64_t kcp = (kc + KSTEP - 1) / KSTEP * KSTEP;
    const int64_t prow = (rows + MR - 1) / MR * MR;
    for (int64_t r = 0; r < prow; ++r) {
        uint16_t * d = dst + r * kcp;
        if (r >= rows) {
            std::memset(d, 0, static_cast<size_t>(kcp) * 2);
            continue;
        }
        const int64_t base = (m0 + r) * a.si + k0 * a.sk;
        if (a.type == dtype::bf16 && a.sk == 1) std::memcpy(d, static_cast<const uint16_t *>(a.data) + base, static_cast<size_t>(kc) * 2);
        else for (int64_t k = 0; k < kc; ++k) d[k] = to_bf16_bits(a.data, a.type, base + k * a.sk);
        if (kcp > kc) std::memset(d + kc, 0, static_cast<size_t>(kcp - kc) * 2);
    }
}

struct alignas(64) tile_config {
    uint8_t palette = 1, start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Tiles 0-3: C (16 x 16 f32), 4-5: A (16 rows x 32 bf16), 6-7: B (16 pair-rows x 16 column
// pairs): all 16 rows of 64 bytes. Tile state is per thread and survives context switches.
thread_local bool configured = false;
inline void configure() {
    if (configured) return;
    tile_config cfg;
    for (int t = 0; t < 8; ++t) {
        cfg.colsb[t] = 64;
        cfg.rows[t] = 16;
    }
    _tile_loadconfig(&cfg);
    configured = true;
}

// The A panel here is 32 rows of kcp bf16 (the panel layout of pack_a, so `ap` holds MR rows).
void kernel(int64_t kc, const void * ap_, const void * bp_, float * c, int64_t ldc, bool accumulate) {
    configure();
    const char * ap = static_cast<const char *>(ap_);
    const char * bp = static_cast<const char *>(bp_);
    const int64_t kcp = (kc + KSTEP - 1) / KSTEP * KSTEP;
    const long sa = kcp * 2, sb = NR * 4, sc = ldc * 4;
    if (accumulate) {
        _tile_loadd(0, c, sc);
        _tile_loadd(1, c + 16, sc);
        _tile_loadd(2, c + 16 * ldc, sc);
        _tile_loadd(3, c + 16 * ldc + 16, sc);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    // each tile load right before its first use, so TDPBF16PS on tile 0 starts while the other
    // operands are still arriving
    for (int64_t k = 0; k < kcp; k += KSTEP) {
        const char * a = ap + k * 2;
        const char * b = bp + (k / 2) * sb;
        _tile_loadd(4, a, sa);
        _tile_loadd(6, b, sb);
        _tile_dpbf16ps(0, 4, 6);
        _tile_loadd(7, b + 64, sb);
        _tile_dpbf16ps(1, 4, 7);
        _tile_loadd(5, a + 16 * sa, sa);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c, sc);
    _tile_stored(1, c + 16, sc);
    _tile_stored(2, c + 16 * ldc, sc);
    _tile_stored(3, c + 16 * ldc + 16, sc);
}

}  // namespace

// AMX-BF16 and AMX-TILE in CPUID, and the kernel grants this process the tile data state.
bool usable() {
    static const bool ok = [] {
        const char * env = std::getenv("XEMB_CPU_AMX");
        if (env && std::strcmp(env, "0") == 0) return false;
        unsigned a, b, c, d;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
        const bool amx_bf16 = d & (1u << 22), amx_tile = d & (1u << 24);
        if (!amx_bf16 || !amx_tile) return false;
        constexpr long arch_req_xcomp_perm = 0x1023, xfeature_xtiledata = 18;
        return syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0;
    }();
    return ok;
}

extern const gemm_isa table;
const gemm_isa table = {"amx-bf16", gemm_format::amx_bf16, MR, NR, 256, 256, pack_b, pack_a, kernel, nullptr};

}  // namespace xemb::cpu::gemm_amx
