// Standalone checks of kernels/emu/tensor-core.{h,cpp} against reference/ptx-warp-primitives.md
// section 7. Expected fragments come from the sheet's per-register TABLES (1.1-1.3) and, for
// ldmatrix, from CuTe's bit-level layouts (3.1), not from the formulas in tensor-core.cpp.
// Build: g++ -std=c++17 -O1 -I. kernels/emu/tensor-core.cpp kernels/emu/tests/tensor-core-test.cpp -o tc-test
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/emu/tensor-core.h"
#include "native/half.h"

using namespace xemb::emu;
using testing::mma_fault;

namespace {

int g_pass = 0, g_fail = 0;

void check(const std::string & name, const std::string & failure) {
    if (failure.empty()) {
        ++g_pass;
        std::printf("PASS %s\n", name.c_str());
    } else {
        ++g_fail;
        std::printf("FAIL %s: %s\n", name.c_str(), failure.c_str());
    }
}

template <class... A>
std::string fmt(const char * f, A... a) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, a...);
    return buf;
}

uint32_t f32u(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

uint32_t pk(uint16_t lo, uint16_t hi) { return lo | (uint32_t(hi) << 16); }  // the test's own packing

// ---- matrices and fragments (sheet tables 1.1, 1.2, 1.3; g = lane/4, t = lane%4) ----------------
struct problem {
    uint16_t A[16][16];  // 16-bit patterns of the input type
    uint16_t B[16][8];
    float C[16][8];
};

uint32_t frag_a(const problem & p, int lane, int r) {
    int g = lane / 4, t = lane % 4;
    switch (r) {
        case 0: return pk(p.A[g][2 * t], p.A[g][2 * t + 1]);          // a0, a1
        case 1: return pk(p.A[g + 8][2 * t], p.A[g + 8][2 * t + 1]);  // a2, a3
        case 2: return pk(p.A[g][2 * t + 8], p.A[g][2 * t + 9]);      // a4, a5
        default: return pk(p.A[g + 8][2 * t + 8], p.A[g + 8][2 * t + 9]);  // a6, a7
    }
}
uint32_t frag_b(const problem & p, int lane, int r) {
    int g = lane / 4, t = lane % 4;
    return r == 0 ? pk(p.B[2 * t][g], p.B[2 * t + 1][g]) : pk(p.B[2 * t + 8][g], p.B[2 * t + 9][g]);
}
template <class M>
float frag_c(const M & m, int lane, int i) {  // c0 c1 c2 c3 = [g][2t] [g][2t+1] [g+8][2t] [g+8][2t+1]
    int g = lane / 4, t = lane % 4;
    const int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    return m[rows[i]][cols[i]];
}

void to_lanes(const problem & p, mma_lane_in in[32]) {
    for (int l = 0; l < 32; ++l) {
        for (int r = 0; r < 4; ++r) in[l].a[r] = frag_a(p, l, r);
        for (int r = 0; r < 2; ++r) in[l].b[r] = frag_b(p, l, r);
        for (int i = 0; i < 4; ++i) in[l].c[i] = frag_c(p.C, l, i);
    }
}

uint16_t enc(mma_kind k, float v) { return k == mma_kind::f16 ? xemb::f32_to_f16(v) : xemb::f32_to_bf16(v); }
double dec(mma_kind k, uint16_t b) { return k == mma_kind::f16 ? xemb::f16_to_f32(b) : xemb::bf16_to_f32(b); }
const char * kname(mma_kind k) { return k == mma_kind::f16 ? "f16" : "bf16"; }

using mma_fn = std::function<void(mma_kind, const mma_lane_in *, float (*)[4])>;
const mma_fn kGood = [](mma_kind k, const mma_lane_in * in, float (*d)[4]) { emu_mma_m16n8k16(k, in, d); };
mma_fn faulty(mma_fault f) {
    return [f](mma_kind k, const mma_lane_in * in, float (*d)[4]) { testing::emu_mma_m16n8k16_faulty(f, k, in, d); };
}

// Runs the mma on p and compares every lane's d[i] bitwise with expected[16][8] via table 1.3.
std::string run_and_compare(const mma_fn & fn, mma_kind k, const problem & p, const float (*expected)[8]) {
    mma_lane_in in[32];
    float d[32][4];
    to_lanes(p, in);
    fn(k, in, d);
    for (int l = 0; l < 32; ++l)
        for (int i = 0; i < 4; ++i) {
            float want = frag_c(expected, l, i);
            if (f32u(d[l][i]) != f32u(want) && !(std::isnan(want) && std::isnan(d[l][i])))
                return fmt("lane %d c%d = %.9g, expected %.9g", l, i, d[l][i], want);
        }
    return "";
}

// Probe 1 (sheet 2.4 item 3): A[i][k] = 16i + k (exact in f16 and bf16), B one-hot at k0, C[i][n] =
// 256 * (8i + n + 1): D[i][n] = 16i + k0 + C[i][n] exactly, for every k0. Pins A, C and D.
std::string probe_a(const mma_fn & fn, mma_kind k) {
    for (int k0 = 0; k0 < 16; ++k0) {
        problem p;
        float want[16][8];
        for (int i = 0; i < 16; ++i)
            for (int c = 0; c < 16; ++c) p.A[i][c] = enc(k, float(16 * i + c));
        for (int r = 0; r < 16; ++r)
            for (int n = 0; n < 8; ++n) p.B[r][n] = enc(k, r == k0 ? 1.0f : 0.0f);
        for (int i = 0; i < 16; ++i)
            for (int n = 0; n < 8; ++n) p.C[i][n] = 256.0f * (8 * i + n + 1), want[i][n] = float(16 * i + k0) + p.C[i][n];
        std::string e = run_and_compare(fn, k, p, want);
        if (!e.empty()) return fmt("k0=%d: ", k0) + e;
    }
    return "";
}

// Probe 2: A = identity, B[k][n] = 16k + n, C = 0.5: D[i][n] = B[i][n] + 0.5. Pins B.
std::string probe_b(const mma_fn & fn, mma_kind k) {
    problem p;
    float want[16][8];
    for (int i = 0; i < 16; ++i)
        for (int c = 0; c < 16; ++c) p.A[i][c] = enc(k, i == c ? 1.0f : 0.0f);
    for (int r = 0; r < 16; ++r)
        for (int n = 0; n < 8; ++n) p.B[r][n] = enc(k, float(16 * r + n)), p.C[r][n] = 0.5f, want[r][n] = float(16 * r + n) + 0.5f;
    return run_and_compare(fn, k, p, want);
}

// Full product with random dyadic values (m/8, |m| <= 64; C = m/64): every product and partial sum
// is exact in f32, so a plain double matrix product is the exact answer whatever the order.
std::string full_product(const mma_fn & fn, mma_kind k, int trials, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> m8(-64, 64), m64(-4096, 4096);
    for (int trial = 0; trial < trials; ++trial) {
        problem p;
        float want[16][8];
        for (auto & row : p.A)
            for (auto & v : row) v = enc(k, m8(rng) / 8.0f);
        for (auto & row : p.B)
            for (auto & v : row) v = enc(k, m8(rng) / 8.0f);
        for (int i = 0; i < 16; ++i)
            for (int n = 0; n < 8; ++n) {
                p.C[i][n] = m64(rng) / 64.0f;
                double s = p.C[i][n];
                for (int c = 0; c < 16; ++c) s += dec(k, p.A[i][c]) * dec(k, p.B[c][n]);
                want[i][n] = float(s);
            }
        std::string e = run_and_compare(fn, k, p, want);
        if (!e.empty()) return fmt("trial %d: ", trial) + e;
    }
    return "";
}

// General values, correctly rounded reference: __float128 holds these sums exactly (f16 products
// span 2^-48..2^32, C 2^-63..2^31; bf16 limited to exponents -20..20), one rounding to f32.
std::string correctly_rounded(mma_kind k, int trials, unsigned seed) {
    std::mt19937 rng(seed);
    auto rand_half = [&]() -> uint16_t {
        for (;;) {
            uint16_t b = static_cast<uint16_t>(rng());
            if (k == mma_kind::f16 && ((b >> 10) & 0x1f) != 0x1f) return b;
            int e = (b >> 7) & 0xff;
            if (k == mma_kind::bf16 && e >= 107 && e <= 147) return b;
        }
    };
    std::uniform_int_distribution<int> ce(k == mma_kind::f16 ? -40 : -30, 30);
    std::uniform_real_distribution<double> cm(1.0, 2.0);  // |C| in [2^e, 2^(e+1)): keeps the exact span small
    for (int trial = 0; trial < trials; ++trial) {
        problem p;
        float want[16][8];
        for (auto & row : p.A)
            for (auto & v : row) v = rand_half();
        for (auto & row : p.B)
            for (auto & v : row) v = rand_half();
        for (int i = 0; i < 16; ++i)
            for (int n = 0; n < 8; ++n) {
                p.C[i][n] = float(std::ldexp(rng() & 1 ? cm(rng) : -cm(rng), ce(rng)));
                __float128 s = p.C[i][n];
                for (int c = 0; c < 16; ++c) s += (__float128)(dec(k, p.A[i][c]) * dec(k, p.B[c][n]));
                want[i][n] = float(s);
            }
        std::string e = run_and_compare(kGood, k, p, want);
        if (!e.empty()) return fmt("trial %d: ", trial) + e;
    }
    return "";
}

std::string expect_bits(float got, uint32_t want) {
    return f32u(got) == want ? "" : fmt("got %a (0x%08x), expected 0x%08x", got, f32u(got), want);
}

// Checks `terms` + c both as given and wrapped in {2^100, ..., -2^100}: the wrapper makes the double
// sum inexact, so the second run goes through the wide fixed-point path and must agree exactly.
void rounding_case(const std::string & name, std::vector<double> terms, float c, uint32_t want) {
    std::string e = expect_bits(emu_exact_dot_round_f32(terms.data(), int(terms.size()), c), want);
    terms.insert(terms.begin(), std::ldexp(1.0, 100));
    terms.push_back(-std::ldexp(1.0, 100));
    std::string w = expect_bits(emu_exact_dot_round_f32(terms.data(), int(terms.size()), c), want);
    check("mma sum: " + name, e.empty() && w.empty() ? "" : (e.empty() ? "wide path: " + w : e));
}

void test_rounding() {
    const double p24 = std::ldexp(1.0, -24), p80 = std::ldexp(1.0, -80);
    // double summation would lose 2^-80, then round the tie 1 + 2^-24 to even (1.0): double rounding
    rounding_case("one rounding (1 + 2^-24 + 2^-80 -> 1 + 2^-23)", {1.0, p24}, float(p80), 0x3f800001);
    rounding_case("just below a tie rounds down", {1.0, p24}, float(-p80), 0x3f800000);
    rounding_case("exact tie rounds to even (down)", {1.0, p24}, 0.0f, 0x3f800000);
    rounding_case("exact tie rounds to even (up)", {1.0 + 2 * p24, p24}, 0.0f, 0x3f800002);
    rounding_case("exact under cancellation (f16 range; k-order double gives 0)", {std::ldexp(1.0, 30), std::ldexp(1.0, -40), -std::ldexp(1.0, 30)},
                  0.0f, f32u(std::ldexp(1.0f, -40)));
    rounding_case("exact under cancellation (bf16 range)", {std::ldexp(1.0, 200), std::ldexp(1.0, -100), -std::ldexp(1.0, 200)}, 0.0f,
                  f32u(std::ldexp(1.0f, -100)));
    rounding_case("f32 subnormal tie to even (1.5 * 2^-149 -> 2^-148)", {std::ldexp(1.0, -149), std::ldexp(1.0, -150)}, 0.0f, 2);
    rounding_case("2^-150 (tie with 0) rounds to +0", {std::ldexp(1.0, -150)}, 0.0f, 0);
    rounding_case("just above half of 2^-149 rounds up", {std::ldexp(1.0, -150), std::ldexp(1.0, -170)}, 0.0f, 1);
    rounding_case("subnormal C plus tiny product", {std::ldexp(1.0, -160)}, std::ldexp(3.0f, -149), 3);
    rounding_case("smallest normal boundary", {std::ldexp(1.0, -126), -std::ldexp(1.0, -150)}, 0.0f, 0x00800000);
    rounding_case("overflow to +inf", {std::ldexp(1.0, 127), std::ldexp(1.0, 127)}, 0.0f, 0x7f800000);
    rounding_case("-(FLT_MAX + half ulp) is a tie to odd kept bit -> -inf", {-3.4028234663852886e38, -std::ldexp(1.0, 103)}, 0.0f, 0xff800000);
    rounding_case("FLT_MAX + quarter ulp stays finite", {3.4028234663852886e38, std::ldexp(1.0, 102), std::ldexp(1.0, -100)}, 0.0f, 0x7f7fffff);
    rounding_case("exact cancellation -> +0", {1.0, -1.0}, -0.0f, 0);
    rounding_case("negative result", {-1.0, -p24, -p24 / 2}, 0.0f, 0xbf800001);
    double z1[] = {-0.0, -0.0}, z2[] = {-0.0, 0.0};
    check("mma sum: all -0 -> -0", expect_bits(emu_exact_dot_round_f32(z1, 2, -0.0f), 0x80000000));
    check("mma sum: -0 and +0 -> +0", expect_bits(emu_exact_dot_round_f32(z2, 2, -0.0f), 0));
    double n1[] = {INFINITY, -INFINITY}, n2[] = {INFINITY, 1.0}, n3[] = {1.0};
    check("mma sum: inf - inf is NaN", std::isnan(emu_exact_dot_round_f32(n1, 2, 0.0f)) ? "" : "not NaN");
    check("mma sum: inf propagates", expect_bits(emu_exact_dot_round_f32(n2, 2, 0.0f), 0x7f800000));
    check("mma sum: NaN C propagates", std::isnan(emu_exact_dot_round_f32(n3, 1, NAN)) ? "" : "not NaN");
}

// An f16 inf times 0 makes that element NaN and leaves the others alone.
std::string mma_inf_times_zero() {
    problem p;
    float want[16][8];
    for (int i = 0; i < 16; ++i)
        for (int c = 0; c < 16; ++c) p.A[i][c] = xemb::f32_to_f16(i == c ? 1.0f : 0.0f);
    p.A[3][5] = 0x7c00;  // +inf in row 3, column k = 5; B[5][n] = 0 except n = 5
    for (int r = 0; r < 16; ++r)
        for (int n = 0; n < 8; ++n) p.B[r][n] = xemb::f32_to_f16(r == n ? 2.0f : 0.0f), p.C[r][n] = 0.0f, want[r][n] = r == n ? 2.0f : 0.0f;
    want[3][5] = INFINITY;
    for (int n = 0; n < 8; ++n)
        if (n != 5) want[3][n] = NAN;
    return run_and_compare(kGood, mma_kind::f16, p, want);
}

// D may share storage with the lanes' operands: everything must be gathered before D is written.
std::string mma_aliased_output() {
    problem p;
    std::mt19937 rng(7);
    for (auto & row : p.A)
        for (auto & v : row) v = xemb::f32_to_f16(float(int(rng() % 9) - 4));
    for (auto & row : p.B)
        for (auto & v : row) v = xemb::f32_to_f16(float(int(rng() % 9) - 4));
    for (auto & row : p.C)
        for (auto & v : row) v = float(int(rng() % 9) - 4);
    static union {
        mma_lane_in in[32];
        float d[32][4];
    } u;
    mma_lane_in in[32];
    float ref[32][4];
    to_lanes(p, in);
    emu_mma_m16n8k16(mma_kind::f16, in, ref);
    std::memcpy(u.in, in, sizeof in);
    emu_mma_m16n8k16(mma_kind::f16, u.in, u.d);
    for (int l = 0; l < 32; ++l)
        for (int i = 0; i < 4; ++i)
            if (f32u(u.d[l][i]) != f32u(ref[l][i])) return fmt("lane %d c%d = %g, expected %g", l, i, u.d[l][i], ref[l][i]);
    return "";
}

void test_mma() {
    for (mma_kind k : {mma_kind::f16, mma_kind::bf16}) {
        std::string n = kname(k);
        check("mma " + n + " A probe (A[i][k]=16i+k, one-hot B): A r0..r3, C/D rows g/g+8", probe_a(kGood, k));
        check("mma " + n + " B probe (A=I, B[k][n]=16k+n): B regs hold k pairs of one column", probe_b(kGood, k));
        check("mma " + n + " full product vs plain double matmul (exact dyadic inputs)", full_product(kGood, k, 40, 11));
        check("mma " + n + " general inputs are the correctly rounded exact sum", correctly_rounded(k, 150, 23));
    }
    check("mma f16 inf*0 -> NaN in that element only", mma_inf_times_zero());
    check("mma gathers all lanes before writing D (aliased output)", mma_aliased_output());

    // Planted bug regression ("wrong fragment index"): the a1/a2-swapped gather MUST fail.
    std::string planted = full_product(faulty(mma_fault::swap_a1_a2), mma_kind::f16, 40, 11);
    check("planted bug: wrong fragment index (a1<->a2 swapped) fails the full-product test",
          planted.empty() ? "the faulty gather passed the full-product test" : "");
    struct fault_case {
        mma_fault f;
        const char * name;
        bool by_b_probe;  // which probe targets it
    } faults[] = {{mma_fault::swap_a1_a2, "a1<->a2", false},
                  {mma_fault::a_r1_is_k8, "r1 = cols 8..15", false},
                  {mma_fault::a_halves, "A halves swapped", false},
                  {mma_fault::b_halves, "B halves swapped", true},
                  {mma_fault::cd_interleaved, "C/D (g, g+8) interleaved", false}};
    for (const auto & fc : faults)
        for (mma_kind k : {mma_kind::f16, mma_kind::bf16}) {
            std::string full = full_product(faulty(fc.f), k, 40, 11);
            std::string probe = fc.by_b_probe ? probe_b(faulty(fc.f), k) : probe_a(faulty(fc.f), k);
            std::string why;
            if (full.empty()) why = "full-product test missed it";
            else if (probe.empty()) why = std::string(fc.by_b_probe ? "B" : "A") + " probe missed it";
            check(fmt("classic mistake '%s' (%s) is caught by the full product and the %s probe", fc.name, kname(k), fc.by_b_probe ? "B" : "A"), why);
        }
}

// ---- ldmatrix ------------------------------------------------------------------------------------
alignas(16) uint8_t g_smem[4096];
uint16_t rd16(size_t off) { return static_cast<uint16_t>(g_smem[off] | (g_smem[off + 1] << 8)); }

void fill_smem() {  // every 16-bit element distinct (odd multiplier is a bijection mod 2^16)
    for (size_t e = 0; e < sizeof g_smem / 2; ++e) {
        uint16_t v = static_cast<uint16_t>(e * 40503u + 7u);
        g_smem[2 * e] = v & 0xff, g_smem[2 * e + 1] = v >> 8;
    }
}

// Expected register m of lane L from CuTe's layouts (copy_traits_sm75.hpp): LDSM_N maps register
// bit v of lane L to bit 32L + v of the row-major 8x8x16b tile; LDSM_T DstLayout
// ((4,8),(16,2)):((256,16),(1,128)) maps (L, bit v of half h) to 256(L%4) + 16(L/4) + 128h + v.
uint32_t ldsm_expected(const uint32_t off[32], int m, int lane, bool trans) {
    uint16_t h[2];
    for (int half = 0; half < 2; ++half) {
        int bit = trans ? 256 * (lane % 4) + 16 * (lane / 4) + 128 * half : 32 * lane + 16 * half;
        int row = bit / 128, col = (bit % 128) / 16;
        h[half] = rd16(off[8 * m + row] + 2 * col);
    }
    return pk(h[0], h[1]);
}

std::string ldsm_layout(int num, bool trans, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<uint32_t> rows(sizeof g_smem / 16);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = uint32_t(16 * i);
    std::shuffle(rows.begin(), rows.end(), rng);  // distinct, non-contiguous row addresses
    uint32_t off[32], out[32][4];
    for (int l = 0; l < 32; ++l) off[l] = l < 8 * num ? rows[l] : (l % 2 ? 0xFFFFFFFFu : 3u);  // unused lanes: garbage
    std::string err;
    if (!emu_ldmatrix(num, trans, g_smem, sizeof g_smem, off, out, &err)) return "unexpected error: " + err;
    for (int l = 0; l < 32; ++l)
        for (int m = 0; m < 4; ++m) {
            uint32_t want = m < num ? ldsm_expected(off, m, l, trans) : 0;
            if (out[l][m] != want) return fmt("lane %d reg %d = 0x%08x, expected 0x%08x", l, m, out[l][m], want);
        }
    return "";
}

// Recipes (sheet 3.1 table) produce exactly the mma fragments of tables 1.1/1.2, and feeding them to
// the mma gives the matrix product.
std::string ldsm_recipes() {
    problem p;
    std::mt19937 rng(5);
    for (auto & row : p.A)
        for (auto & v : row) v = xemb::f32_to_f16(float(int(rng() % 17) - 8) / 4);
    for (auto & row : p.B)
        for (auto & v : row) v = xemb::f32_to_f16(float(int(rng() % 17) - 8) / 4);
    for (auto & row : p.C)
        for (auto & v : row) v = 0.25f * float(int(rng() % 17) - 8);
    auto put = [](size_t off, uint16_t v) { g_smem[off] = v & 0xff, g_smem[off + 1] = v >> 8; };
    const size_t a_at = 0, a_ld = 24, bt_at = 1024, bt_ld = 24, b_at = 2048, b_ld = 16;  // padded rows
    for (int i = 0; i < 16; ++i)
        for (int c = 0; c < 16; ++c) put(a_at + 2 * (i * a_ld + c), p.A[i][c]);
    for (int k = 0; k < 16; ++k)
        for (int n = 0; n < 8; ++n) put(bt_at + 2 * (n * bt_ld + k), p.B[k][n]), put(b_at + 2 * (k * b_ld + n), p.B[k][n]);
    for (int k = 0; k < 16; ++k)  // a second n-tile B2[k][n] = B[k][n] + 1 at columns 8..15
        for (int n = 0; n < 8; ++n) put(b_at + 2 * (k * b_ld + 8 + n), xemb::f32_to_f16(float(xemb::f16_to_f32(p.B[k][n])) + 1.0f));
    uint32_t oa[32], obt[32], ob[32], ob4[32], ra[32][4], rbt[32][4], rb[32][4], rb4[32][4];
    for (int L = 0; L < 32; ++L) {
        oa[L] = uint32_t(a_at + 2 * ((L & 15) * a_ld + 8 * (L >> 4)));
        obt[L] = uint32_t(bt_at + 2 * ((L & 7) * bt_ld + 8 * ((L >> 3) & 1)));
        ob[L] = uint32_t(b_at + 2 * ((L & 15) * b_ld));
        ob4[L] = uint32_t(b_at + 2 * ((L & 15) * b_ld + 8 * (L >> 4)));
    }
    std::string err;
    if (!emu_ldmatrix(4, false, g_smem, sizeof g_smem, oa, ra, &err) || !emu_ldmatrix(2, false, g_smem, sizeof g_smem, obt, rbt, &err) ||
        !emu_ldmatrix(2, true, g_smem, sizeof g_smem, ob, rb, &err) || !emu_ldmatrix(4, true, g_smem, sizeof g_smem, ob4, rb4, &err))
        return "unexpected error: " + err;
    problem p2 = p;
    for (int k = 0; k < 16; ++k)
        for (int n = 0; n < 8; ++n) p2.B[k][n] = xemb::f32_to_f16(float(xemb::f16_to_f32(p.B[k][n])) + 1.0f);
    for (int L = 0; L < 32; ++L) {
        for (int r = 0; r < 4; ++r)
            if (ra[L][r] != frag_a(p, L, r)) return fmt("x4 A: lane %d reg %d = 0x%08x, table 1.1 says 0x%08x", L, r, ra[L][r], frag_a(p, L, r));
        for (int r = 0; r < 2; ++r) {
            if (rbt[L][r] != frag_b(p, L, r)) return fmt("x2 Bt: lane %d reg %d differs from table 1.2", L, r);
            if (rb[L][r] != frag_b(p, L, r)) return fmt("x2.trans B: lane %d reg %d differs from table 1.2", L, r);
            if (rb4[L][r] != frag_b(p, L, r) || rb4[L][r + 2] != frag_b(p2, L, r)) return fmt("x4.trans B: lane %d reg %d/%d differ", L, r, r + 2);
        }
    }
    mma_lane_in in[32];
    float d[32][4], want[16][8];
    for (int L = 0; L < 32; ++L) {
        for (int r = 0; r < 4; ++r) in[L].a[r] = ra[L][r];
        for (int r = 0; r < 2; ++r) in[L].b[r] = rb[L][r];
        for (int i = 0; i < 4; ++i) in[L].c[i] = frag_c(p.C, L, i);
    }
    emu_mma_m16n8k16(mma_kind::f16, in, d);
    for (int i = 0; i < 16; ++i)
        for (int n = 0; n < 8; ++n) {
            double s = p.C[i][n];
            for (int k = 0; k < 16; ++k) s += double(xemb::f16_to_f32(p.A[i][k])) * xemb::f16_to_f32(p.B[k][n]);
            want[i][n] = float(s);
        }
    for (int L = 0; L < 32; ++L)
        for (int i = 0; i < 4; ++i)
            if (f32u(d[L][i]) != f32u(frag_c(want, L, i))) return fmt("ldmatrix->mma: lane %d c%d = %g, expected %g", L, i, d[L][i], frag_c(want, L, i));
    return "";
}

// Expects failure with `needle` in the message and all-zero output.
std::string ldsm_error(int num, bool trans, const uint32_t off[32], size_t bytes, const char * needle) {
    uint32_t out[32][4];
    std::memset(out, 0xab, sizeof out);
    std::string err;
    if (emu_ldmatrix(num, trans, g_smem, bytes, off, out, &err)) return "accepted";
    if (err.find(needle) == std::string::npos) return "message lacks '" + std::string(needle) + "': " + err;
    for (auto & lane : out)
        for (uint32_t r : lane)
            if (r) return "output not zeroed after an error";
    return "";
}

void test_ldmatrix() {
    fill_smem();
    for (int num : {1, 2, 4})
        for (bool trans : {false, true})
            check(fmt("ldmatrix x%d%s matches CuTe LDSM_%s layout; unused lanes ignored", num, trans ? ".trans" : "", trans ? "T" : "N"),
                  ldsm_layout(num, trans, 100 + num * 2 + trans));
    check("ldmatrix recipes give mma A/B fragments; ldmatrix -> mma product", ldsm_recipes());
    fill_smem();
    uint32_t off[32];
    for (int l = 0; l < 32; ++l) off[l] = uint32_t(16 * l);
    off[5] += 2;
    check("ldmatrix misaligned row address reported", ldsm_error(4, false, off, sizeof g_smem, "lane 5 (matrix 0, row 5) row address (shared offset 82"));
    off[5] -= 2;
    off[13] = uint32_t(sizeof g_smem - 8);
    check("ldmatrix row crossing the end of shared memory reported", ldsm_error(2, true, off, sizeof g_smem, "lane 13 (matrix 1, row 5)"));
    off[13] = 0xFFFFFFFFu;
    check("ldmatrix address outside shared memory reported", ldsm_error(4, true, off, sizeof g_smem, "lane 13 (matrix 1, row 5) row address (shared offset 4294967295, 4096 bytes of shared memory) is not a shared-memory address"));
    off[13] = 16 * 13;
    check("ldmatrix shared window smaller than the rows reported", ldsm_error(4, false, off, 256, "lane 16 (matrix 2, row 0)"));
    check("ldmatrix .num other than 1/2/4 reported", ldsm_error(3, false, off, sizeof g_smem, ".num must be"));
}

// ---- cp.async ------------------------------------------------------------------------------------
alignas(16) uint8_t g_shared[256];
alignas(16) uint8_t g_global[256];

std::string bytes_are(size_t off, size_t n, const std::function<uint8_t(size_t)> & want) {
    for (size_t i = 0; i < n; ++i)
        if (g_shared[off + i] != want(i)) return fmt("shared[%zu] = 0x%02x, expected 0x%02x", off + i, g_shared[off + i], want(i));
    return "";
}
auto src_at(size_t s) { return [s](size_t i) { return g_global[s + i]; }; }
uint8_t old(size_t) { return 0xee; }
uint8_t zero(size_t) { return 0; }

void cp_reset(cp_async_state * s) {
    std::memset(g_shared, 0xee, sizeof g_shared);
    for (size_t i = 0; i < sizeof g_global; ++i) g_global[i] = uint8_t(i + 1);
    emu_cp_async_init(s, g_shared, sizeof g_shared);
}

std::string cp_groups() {
    cp_async_state s;
    cp_reset(&s);
    std::string e;
    auto issue = [&](size_t dst, size_t src, unsigned n, cp_async_cache c = cp_async_cache::ca) {
        if (!emu_cp_async_issue(&s, c, dst, g_global + src, n, n, &e)) throw e;
    };
    try {
        issue(0, 64, 16, cp_async_cache::cg);
        emu_cp_async_commit(&s);  // g0
        issue(16, 80, 8), issue(32, 96, 4);
        emu_cp_async_commit(&s);  // g1
        issue(48, 112, 16);
        emu_cp_async_commit(&s);  // g2
        emu_cp_async_commit(&s);  // g3: empty
    } catch (const std::string & m) { return "issue failed: " + m; }
    if (!(e = bytes_are(0, 64, old)).empty()) return "visible before any wait: " + e;
    if (emu_cp_async_pending_dst(s).size() != 4 || emu_cp_async_outstanding(s) != 4) return "pending count is not 4";
    std::vector<byte_range> done;
    emu_cp_async_wait_group(&s, 3, &done);  // 4 groups, newest 3 may stay: g0 completes
    if (!(e = bytes_are(0, 16, src_at(64))).empty() || !(e = bytes_are(16, 48, old)).empty()) return "wait_group 3: " + e;
    if (done.size() != 1 || done[0].offset != 0 || done[0].bytes != 16) return "wait_group 3 did not report exactly [0,16)";
    emu_cp_async_wait_group(&s, 3, &done);
    if (done.size() != 1) return "repeated wait_group 3 completed more";
    emu_cp_async_wait_group(&s, 2, &done);
    if (!(e = bytes_are(16, 8, src_at(80))).empty() || !(e = bytes_are(32, 4, src_at(96))).empty() || !(e = bytes_are(48, 16, old)).empty())
        return "wait_group 2: " + e;
    if (!emu_cp_async_overlaps_pending(s, 60, 1) || emu_cp_async_overlaps_pending(s, 24, 8)) return "overlaps_pending wrong after wait_group 2";
    // Only the EMPTY g3 is newer than g2: wait_group 1 must still complete g2.
    emu_cp_async_wait_group(&s, 1, &done);
    if (!(e = bytes_are(48, 16, src_at(112))).empty()) return "wait_group 1 with an empty newest group: " + e;
    if (emu_cp_async_outstanding(s) != 0 || !emu_cp_async_pending_dst(s).empty()) return "copies still outstanding";
    if (done.size() != 4) return fmt("%zu completed ranges reported, expected 4", done.size());
    return "";
}

std::string cp_uncommitted_and_zfill() {
    cp_async_state s;
    cp_reset(&s);
    std::string e;
    if (!emu_cp_async_issue(&s, cp_async_cache::ca, 0, g_global, 16, 5, &e)) return e;           // 11 bytes zero-filled
    if (!emu_cp_async_issue(&s, cp_async_cache::cg, 16, nullptr, 16, 0, &e)) return e;           // ignore-src: all zero
    if (!emu_cp_async_issue(&s, cp_async_cache::ca, 32, g_global + 32, 8, 8, &e)) return e;      // src-size == cp-size
    if (emu_cp_async_pending_src(s).size() != 2) return "pending source ranges: expected 2 (src-size 0 reads nothing)";
    g_global[0] = 0x55, g_global[32] = 0x66;  // a race in a real kernel; the emulator read at issue
    emu_cp_async_wait_group(&s, 0, nullptr);
    if (emu_cp_async_outstanding(s) != 3) return "wait_group 0 completed uncommitted copies";
    if (!(e = bytes_are(0, 16, old)).empty()) return "uncommitted copy became visible: " + e;
    emu_cp_async_wait_all(&s, nullptr);
    if (emu_cp_async_outstanding(s) != 0) return "wait_all left copies pending";
    if (!(e = bytes_are(0, 1, [](size_t) { return uint8_t(1); })).empty() || !(e = bytes_are(1, 4, [](size_t i) { return uint8_t(i + 2); })).empty())
        return "src-size 5 data: " + e;
    if (!(e = bytes_are(5, 11, zero)).empty()) return "zero-fill of cp-size - src-size: " + e;
    if (!(e = bytes_are(16, 16, zero)).empty()) return "src-size 0: " + e;
    if (!(e = bytes_are(32, 1, [](size_t) { return uint8_t(33); })).empty()) return "source snapshot at issue: " + e;
    if (!(e = bytes_are(40, 8, old)).empty()) return "bytes after an 8-byte copy touched: " + e;
    return "";
}

std::string cp_error(cp_async_cache c, size_t dst, size_t src_off, unsigned cp, unsigned src, const char * needle, bool pre_issue = false) {
    cp_async_state s;
    cp_reset(&s);
    std::string e;
    if (pre_issue && !emu_cp_async_issue(&s, cp_async_cache::ca, 0, g_global, 16, 16, &e)) return "setup: " + e;
    if (emu_cp_async_issue(&s, c, dst, g_global + src_off, cp, src, &e)) return "accepted";
    if (e.find(needle) == std::string::npos) return "message lacks '" + std::string(needle) + "': " + e;
    return emu_cp_async_outstanding(s) == (pre_issue ? 1u : 0u) ? "" : "a rejected copy was queued";
}

void test_cp_async() {
    check("cp.async groups retire in commit order; wait_group N keeps the N newest (empty groups count)", cp_groups());
    check("cp.async uncommitted copies not waited; zero-fill; src-size 0 and == cp-size; snapshot at issue", cp_uncommitted_and_zfill());
    check("cp.async cp-size 12 rejected", cp_error(cp_async_cache::ca, 0, 0, 12, 12, "cp-size 12 is not 4, 8 or 16"));
    check("cp.async .cg with cp-size 8 rejected", cp_error(cp_async_cache::cg, 0, 0, 8, 8, ".cg allows only 16"));
    check("cp.async src-size > cp-size rejected", cp_error(cp_async_cache::ca, 0, 0, 16, 17, "src-size 17 exceeds"));
    check("cp.async misaligned destination rejected", cp_error(cp_async_cache::ca, 4, 0, 8, 8, "not aligned to cp-size 8"));
    check("cp.async misaligned source rejected", cp_error(cp_async_cache::ca, 0, 4, 16, 16, "source address"));
    check("cp.async destination past shared memory rejected", cp_error(cp_async_cache::ca, 248, 0, 16, 16, "not inside shared memory"));
    check("cp.async destination outside shared memory rejected", cp_error(cp_async_cache::ca, SIZE_MAX, 0, 16, 16, "not a shared-memory address"));
    check("cp.async overlapping an incomplete copy rejected", cp_error(cp_async_cache::ca, 8, 16, 8, 8, "overlaps an incomplete", true));
    check("cp.async adjacent to an incomplete copy accepted",
          cp_error(cp_async_cache::ca, 16, 16, 8, 8, "x", true) == "accepted" ? "" : "adjacent copy was rejected");
}

// ---- packing -------------------------------------------------------------------------------------
void test_pack() {
    std::string e;
    if (pack_u16x2(0x1111, 0x2222) != 0x22221111u || lo_u16(0x22221111u) != 0x1111 || hi_u16(0x22221111u) != 0x2222) e = "raw pack/unpack";
    check("pack_u16x2: lower index in bits 15:0", e);
    e.clear();
    if (pack_f16x2_rn(1.0f, 2.0f) != 0x40003c00u) e = fmt("pack_f16x2_rn(1, 2) = 0x%08x, expected 0x40003c00", pack_f16x2_rn(1.0f, 2.0f));
    else if (f16_lo(0x40003c00u) != 1.0f || f16_hi(0x40003c00u) != 2.0f) e = "f16_lo/f16_hi";
    check("pack_f16x2_rn(lo, hi): lo in bits 15:0, like __floats2half2_rn", e);
    e.clear();
    if (pack_bf16x2_rn(1.0f, -2.0f) != 0xc0003f80u) e = fmt("pack_bf16x2_rn(1, -2) = 0x%08x, expected 0xc0003f80", pack_bf16x2_rn(1.0f, -2.0f));
    else if (bf16_lo(0xc0003f80u) != 1.0f || bf16_hi(0xc0003f80u) != -2.0f) e = "bf16_lo/bf16_hi";
    check("pack_bf16x2_rn(lo, hi): lo in bits 15:0, like __floats2bfloat162_rn", e);
    struct {
        float lo, hi;
        uint32_t f16, bf16;
    } rn[] = {
        {1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11), 0x3c023c00u, 0x3f803f80u},  // f16 ties to even
        {1.0f + std::ldexp(1.0f, -8), 1.0f + 3 * std::ldexp(1.0f, -8), 0x3c0c3c04u, 0x3f823f80u},    // bf16 ties to even
        {65519.0f, 65520.0f, 0x7c007bffu, 0x47804780u},                                                   // f16 overflow at 65520
    };
    e.clear();
    for (auto & c : rn) {
        if (pack_f16x2_rn(c.lo, c.hi) != c.f16) e += fmt("f16(%a, %a) = 0x%08x want 0x%08x; ", c.lo, c.hi, pack_f16x2_rn(c.lo, c.hi), c.f16);
        if (pack_bf16x2_rn(c.lo, c.hi) != c.bf16) e += fmt("bf16(%a, %a) = 0x%08x want 0x%08x; ", c.lo, c.hi, pack_bf16x2_rn(c.lo, c.hi), c.bf16);
    }
    check("pack rounding: nearest-even ties, f16 overflow -> inf at 65520", e);
    uint32_t nan2 = pack_bf16x2_rn(NAN, 0.0f), nanh = pack_f16x2_rn(0.0f, NAN);
    check("pack NaN stays NaN in its own half", std::isnan(bf16_lo(nan2)) && bf16_hi(nan2) == 0.0f && std::isnan(f16_hi(nanh)) && f16_lo(nanh) == 0.0f ? "" : "NaN lost or in the wrong half");
}

}  // namespace

int main() {
    test_pack();
    test_rounding();
    test_mma();
    test_ldmatrix();
    test_cp_async();
    std::printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
