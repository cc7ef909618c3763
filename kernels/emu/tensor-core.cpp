// Host semantics of mma.sync m16n8k16 (f16/bf16 -> f32), ldmatrix m8n8 and cp.async groups, per
// the layouts of reference/ptx-warp-primitives.md (PTX ISA 9.0: 9.7.14.5.8 fragments of
// m16n8k16, 9.7.14.5.15 ldmatrix, 9.7.9.25.3 cp.async). Cross-checked sources named in the sheet:
// CuTe mma_traits_sm80.hpp / copy_traits_sm75.hpp, llama.cpp ggml-cuda/mma.cuh.
#include "tensor-core.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "../../native/half.h"

namespace xemb::emu {

// ---- packing -----------------------------------------------------------------------------------

uint32_t pack_f16x2_rn(float lo, float hi) { return pack_u16x2(f32_to_f16(lo), f32_to_f16(hi)); }
uint32_t pack_bf16x2_rn(float lo, float hi) { return pack_u16x2(f32_to_bf16(lo), f32_to_bf16(hi)); }
float f16_lo(uint32_t r) { return f16_to_f32(lo_u16(r)); }
float f16_hi(uint32_t r) { return f16_to_f32(hi_u16(r)); }
float bf16_lo(uint32_t r) { return bf16_to_f32(lo_u16(r)); }
float bf16_hi(uint32_t r) { return bf16_to_f32(hi_u16(r)); }

namespace {

// ---- exact accumulation ------------------------------------------------------------------------
// Fixed point with bit 0 of weight 2^-320 and 640 bits. Range argument: a bf16*bf16 product is
// a multiple of 2^-266 (subnormal 2^-133 squared) below 2^256, an f16 product a multiple of 2^-48
// below 2^32, an f32 C a multiple of 2^-149 below 2^128; 17 such terms stay below 2^262. Positive
// and negative terms go to separate magnitudes so carries rarely travel (no sign extension).
constexpr int kLimbs = 10;
constexpr int kLsb = 320;  // bit index of 2^0

struct wide {
    uint64_t w[kLimbs] = {};
};

// Adds |x| (finite, non-zero) to acc. Returns false if x is outside the range above.
bool add_mag(wide * acc, double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, 8);
    uint64_t exp = (bits >> 52) & 0x7ff;
    uint64_t mant = bits & ((uint64_t(1) << 52) - 1);
    int e;
    if (exp == 0) {
        e = -1074;
    } else {
        mant |= uint64_t(1) << 52;
        e = static_cast<int>(exp) - 1075;
    }
    int tz = __builtin_ctzll(mant);  // drop trailing zeros: products have <= 22 significant bits
    mant >>= tz;
    e += tz;
    int pos = e + kLsb;
    int top = pos + 63 - __builtin_clzll(mant);
    if (pos < 0 || top >= 64 * kLimbs - 8) return false;  // 8 spare bits: carries of the sum
    int li = pos >> 6, s = pos & 63;
    unsigned __int128 v = static_cast<unsigned __int128>(mant) << s;
    uint64_t add[2] = {static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64)};  // add[1] = 0 if li is the last limb
    unsigned __int128 carry = 0;
    for (int i = li; i < kLimbs; ++i) {
        unsigned __int128 sum = static_cast<unsigned __int128>(acc->w[i]) + carry + (i - li < 2 ? add[i - li] : 0);
        acc->w[i] = static_cast<uint64_t>(sum);
        carry = sum >> 64;
        if (carry == 0 && i - li >= 1) break;
    }
    return true;
}

int cmp(const wide & a, const wide & b) {
    for (int i = kLimbs - 1; i >= 0; --i)
        if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
    return 0;
}

wide sub(const wide & a, const wide & b) {  // a - b, a >= b
    wide r;
    uint64_t borrow = 0;
    for (int i = 0; i < kLimbs; ++i) {
        unsigned __int128 d = static_cast<unsigned __int128>(a.w[i]) - b.w[i] - borrow;
        r.w[i] = static_cast<uint64_t>(d);
        borrow = (d >> 64) ? 1 : 0;
    }
    return r;
}

bool bit_at(const wide & m, int i) { return (m.w[i >> 6] >> (i & 63)) & 1; }

bool any_below(const wide & m, int i) {  // any set bit with index < i
    for (int l = 0; l < (i >> 6); ++l)
        if (m.w[l]) return true;
    int s = i & 63;
    return s && (m.w[i >> 6] & ((uint64_t(1) << s) - 1));
}

uint64_t bits_from(const wide & m, int lo, int count) {  // bits [lo, lo+count), count <= 24
    uint64_t r = 0;
    for (int i = count - 1; i >= 0; --i) r = (r << 1) | (bit_at(m, lo + i) ? 1 : 0);
    return r;
}

// Rounds a non-zero magnitude to f32, nearest-even, with the f32 subnormal quantum 2^-149.
float round_f32(const wide & m) {
    int top = -1;
    for (int l = kLimbs - 1; l >= 0; --l)
        if (m.w[l]) {
            top = 64 * l + 63 - __builtin_clzll(m.w[l]);
            break;
        }
    const int q_min = kLsb - 149;
    int q = top - 23 > q_min ? top - 23 : q_min;  // weight of the last kept bit
    uint64_t kept = top >= q ? bits_from(m, q, top - q + 1) : 0;
    bool round = bit_at(m, q - 1);
    bool sticky = any_below(m, q - 1);
    if (round && (sticky || (kept & 1))) ++kept;
    // kept <= 2^24: exact in double; the cast gives the same value, or inf at >= 2^128
    return static_cast<float>(std::ldexp(static_cast<double>(kept), q - kLsb));
}

bool is_neg_zero(double x) { return x == 0.0 && std::signbit(x); }

// ---- fragment layouts (sheet 1.1-1.3) ----------------------------------------------------------
// g = lane >> 2, t = lane & 3. Element (register r, half h), half 0 = bits [15:0]:
//   A: row g + 8*(r & 1), col 2t + h + 8*(r >> 1)    (r1 = rows 8..15, r2 = k 8..15)
//   B: k 2t + h + 8r, n g                            (one column, two consecutive k)
//   C/D (f32, i = 0..3): row g + 8*(i >> 1), col 2t + (i & 1)
struct rc {
    int row, col;
};

using testing::mma_fault;

rc a_pos(int lane, int r, int h, mma_fault f) {
    if (f == mma_fault::a_r1_is_k8 && (r == 1 || r == 2)) r = 3 - r;
    if (f == mma_fault::a_halves) h ^= 1;
    if (f == mma_fault::swap_a1_a2) {
        if (r == 0 && h == 1) r = 1, h = 0;
        else if (r == 1 && h == 0) r = 0, h = 1;
    }
    int g = lane >> 2, t = lane & 3;
    return {g + 8 * (r & 1), 2 * t + h + 8 * (r >> 1)};
}

rc b_pos(int lane, int r, int h, mma_fault f) {
    if (f == mma_fault::b_halves) h ^= 1;
    int g = lane >> 2, t = lane & 3;
    return {2 * t + h + 8 * r, g};
}

rc cd_pos(int lane, int i, mma_fault f) {
    int g = lane >> 2, t = lane & 3;
    if (f == mma_fault::cd_interleaved) return {g + 8 * (i & 1), 2 * t + (i >> 1)};
    return {g + 8 * (i >> 1), 2 * t + (i & 1)};
}

double half_value(mma_kind kind, uint16_t bits) {
    return kind == mma_kind::f16 ? f16_to_f32(bits) : bf16_to_f32(bits);  // exact widening
}

void mma_impl(mma_fault f, mma_kind kind, const mma_lane_in in[32], float d_out[32][4]) {
    // Gather everything first: d_out may be the storage the caller later copies into C.
    double A[16][16], B[16][8];
    float C[16][8];
    for (int lane = 0; lane < 32; ++lane) {
        for (int r = 0; r < 4; ++r)
            for (int h = 0; h < 2; ++h) {
                rc p = a_pos(lane, r, h, f);
                A[p.row][p.col] = half_value(kind, h ? hi_u16(in[lane].a[r]) : lo_u16(in[lane].a[r]));
            }
        for (int r = 0; r < 2; ++r)
            for (int h = 0; h < 2; ++h) {
                rc p = b_pos(lane, r, h, f);
                B[p.row][p.col] = half_value(kind, h ? hi_u16(in[lane].b[r]) : lo_u16(in[lane].b[r]));
            }
        for (int i = 0; i < 4; ++i) {
            rc p = cd_pos(lane, i, f);
            C[p.row][p.col] = in[lane].c[i];
        }
    }
    float D[16][8];
    double prod[16];
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 8; ++j) {
            for (int k = 0; k < 16; ++k) prod[k] = A[i][k] * B[k][j];  // exact: <= 22 significant bits
            D[i][j] = emu_exact_dot_round_f32(prod, 16, C[i][j]);
        }
    for (int lane = 0; lane < 32; ++lane)
        for (int i = 0; i < 4; ++i) {
            rc p = cd_pos(lane, i, f);
            d_out[lane][i] = D[p.row][p.col];
        }
}

}  // namespace

float emu_exact_dot_round_f32(const double * p, int n, float c) {
    // NaN/Inf: IEEE double in the documented order (hardware behaviour unspecified).
    bool special = !std::isfinite(c);
    for (int k = 0; k < n; ++k) special = special || !std::isfinite(p[k]);
    if (special) {
        double s = c;
        for (int k = 0; k < n; ++k) s += p[k];
        return static_cast<float>(s);
    }
    // Fast path: if every step of the double sum is exact (TwoSum error zero), the double sum IS
    // the exact value and one conversion is the single rounding. Zero signs follow IEEE nearest
    // mode here, which is the documented rule (-0 only if every addend is -0).
    double s = c;
    bool exact = true;
    for (int k = 0; k < n && exact; ++k) {
        double t = s + p[k];
        double bv = t - s;
        double err = (s - (t - bv)) + (p[k] - bv);
        exact = err == 0.0;
        s = t;
    }
    if (exact) return static_cast<float>(s);

    wide pos, neg;
    bool all_neg_zero = is_neg_zero(c);
    bool in_range = true;
    auto add = [&](double x) {
        if (x == 0.0) return;
        in_range = add_mag(x > 0 ? &pos : &neg, std::fabs(x)) && in_range;
    };
    add(c);
    for (int k = 0; k < n; ++k) {
        all_neg_zero = all_neg_zero && is_neg_zero(p[k]);
        add(p[k]);
    }
    if (!in_range) {  // unreachable for f16/bf16 products and f32 C (range argument above)
        double t = c;
        for (int k = 0; k < n; ++k) t += p[k];
        return static_cast<float>(t);
    }
    int order = cmp(pos, neg);
    if (order == 0) return all_neg_zero ? -0.0f : 0.0f;
    float mag = order > 0 ? round_f32(sub(pos, neg)) : round_f32(sub(neg, pos));
    return order > 0 ? mag : -mag;
}

void emu_mma_m16n8k16(mma_kind kind, const mma_lane_in in[32], float d_out[32][4]) { mma_impl(mma_fault::none, kind, in, d_out); }

void testing::emu_mma_m16n8k16_faulty(mma_fault fault, mma_kind kind, const mma_lane_in in[32], float d_out[32][4]) {
    mma_impl(fault, kind, in, d_out);
}

// ---- ldmatrix (sheet 3.1) ------------------------------------------------------------------------
// Matrix m row rr is the 16 bytes at the address of lane 8m + rr. Lane L (g = L >> 2, t = L & 3)
// receives in register m: no .trans (lo M[g][2t], hi M[g][2t+1]) = 32-bit word t of row g;
// .trans (lo M[2t][g], hi M[2t+1][g]). Elements are little-endian 16-bit words (GPU memory).

bool emu_ldmatrix(int num, bool trans, const uint8_t * shared_base, size_t shared_bytes, const uint32_t lane_offsets[32],
                  uint32_t out[32][4], std::string * error) {
    std::memset(out, 0, sizeof(uint32_t) * 32 * 4);
    std::string msg;
    if (num != 1 && num != 2 && num != 4) {
        msg = "ldmatrix: .num must be x1, x2 or x4, got " + std::to_string(num);
    } else {
        for (int lane = 0; lane < 8 * num; ++lane) {
            uint64_t off = lane_offsets[lane];
            char buf[200];
            const char * why = nullptr;
            if (off == 0xFFFFFFFFu) why = "is not a shared-memory address";
            else if (off + 16 > shared_bytes) why = "is not inside shared memory";
            else if (reinterpret_cast<uintptr_t>(shared_base + off) % 16 != 0) why = "is not 16-byte aligned";
            if (!why) continue;
            std::snprintf(buf, sizeof buf, "%sldmatrix.x%d%s: lane %d (matrix %d, row %d) row address (shared offset %llu, %zu bytes of shared memory) %s",
                          msg.empty() ? "" : "; ", num, trans ? ".trans" : "", lane, lane / 8, lane % 8,
                          static_cast<unsigned long long>(off), shared_bytes, why);
            msg += buf;
        }
    }
    if (!msg.empty()) {
        if (error) *error = msg;
        return false;
    }
    auto elem = [&](int m, int row, int col) -> uint16_t {
        const uint8_t * p = shared_base + lane_offsets[8 * m + row] + 2 * col;
        return static_cast<uint16_t>(p[0] | (p[1] << 8));
    };
    for (int lane = 0; lane < 32; ++lane) {
        int g = lane >> 2, t = lane & 3;
        for (int m = 0; m < num; ++m)
            out[lane][m] = trans ? pack_u16x2(elem(m, 2 * t, g), elem(m, 2 * t + 1, g)) : pack_u16x2(elem(m, g, 2 * t), elem(m, g, 2 * t + 1));
    }
    return true;
}

// ---- cp.async (sheet 4) --------------------------------------------------------------------------

void emu_cp_async_init(cp_async_state * s, uint8_t * shared_base, size_t shared_bytes) {
    *s = cp_async_state{};
    s->shared_base = shared_base;
    s->shared_bytes = shared_bytes;
}

bool emu_cp_async_overlaps_pending(const cp_async_state & s, size_t offset, size_t bytes) {
    auto hit = [&](const cp_async_copy & c) { return offset < c.dst_offset + c.cp_size && c.dst_offset < offset + bytes; };
    for (const auto & c : s.uncommitted)
        if (hit(c)) return true;
    for (const auto & g : s.groups)
        for (const auto & c : g)
            if (hit(c)) return true;
    return false;
}

bool emu_cp_async_issue(cp_async_state * s, cp_async_cache cache, size_t dst_offset, const void * src, unsigned cp_size,
                        unsigned src_size, std::string * error) {
    const char * q = cache == cp_async_cache::ca ? "cp.async.ca" : "cp.async.cg";
    char buf[240];
    buf[0] = 0;
    uintptr_t src_addr = reinterpret_cast<uintptr_t>(src);
    if (cp_size != 4 && cp_size != 8 && cp_size != 16)
        std::snprintf(buf, sizeof buf, "%s: cp-size %u is not 4, 8 or 16", q, cp_size);
    else if (cache == cp_async_cache::cg && cp_size != 16)
        std::snprintf(buf, sizeof buf, "%s: cp-size %u, but .cg allows only 16", q, cp_size);
    else if (src_size > cp_size)
        std::snprintf(buf, sizeof buf, "%s: src-size %u exceeds cp-size %u", q, src_size, cp_size);
    else if (dst_offset == SIZE_MAX)
        std::snprintf(buf, sizeof buf, "%s: destination is not a shared-memory address", q);
    else if (!s->shared_base || dst_offset + cp_size > s->shared_bytes)
        std::snprintf(buf, sizeof buf, "%s: destination (shared offset %zu, %u bytes) is not inside shared memory (%zu bytes)", q,
                      dst_offset, cp_size, s->shared_bytes);
    else if (reinterpret_cast<uintptr_t>(s->shared_base + dst_offset) % cp_size != 0)
        std::snprintf(buf, sizeof buf, "%s: destination (shared offset %zu) is not aligned to cp-size %u", q, dst_offset, cp_size);
    else if (src_size > 0 && src_addr % cp_size != 0)
        std::snprintf(buf, sizeof buf, "%s: source address %#llx is not aligned to cp-size %u", q,
                      static_cast<unsigned long long>(src_addr), cp_size);
    else if (emu_cp_async_overlaps_pending(*s, dst_offset, cp_size))
        std::snprintf(buf, sizeof buf, "%s: destination (shared offset %zu, %u bytes) overlaps an incomplete cp.async of this thread (unordered writes: undefined)",
                      q, dst_offset, cp_size);
    if (buf[0]) {
        if (error) *error = buf;
        return false;
    }
    cp_async_copy c{};
    c.dst_offset = dst_offset;
    c.cp_size = cp_size;
    c.src_size = src_size;
    c.src = src_addr;
    if (src_size) std::memcpy(c.data, src, src_size);  // the rest stays 0: the zero-fill
    s->uncommitted.push_back(c);
    return true;
}

void emu_cp_async_commit(cp_async_state * s) {
    s->groups.push_back(std::move(s->uncommitted));
    s->uncommitted.clear();
}

void emu_cp_async_wait_group(cp_async_state * s, unsigned n, std::vector<byte_range> * completed) {
    size_t done = s->groups.size() > n ? s->groups.size() - n : 0;  // the oldest `done` groups
    for (size_t i = 0; i < done; ++i)
        for (const auto & c : s->groups[i]) {
            std::memcpy(s->shared_base + c.dst_offset, c.data, c.cp_size);
            if (completed) completed->push_back({c.dst_offset, c.cp_size});
        }
    s->groups.erase(s->groups.begin(), s->groups.begin() + static_cast<std::ptrdiff_t>(done));
}

void emu_cp_async_wait_all(cp_async_state * s, std::vector<byte_range> * completed) {
    emu_cp_async_commit(s);
    emu_cp_async_wait_group(s, 0, completed);
}

std::vector<byte_range> emu_cp_async_pending_dst(const cp_async_state & s) {
    std::vector<byte_range> r;
    for (const auto & c : s.uncommitted) r.push_back({c.dst_offset, c.cp_size});
    for (const auto & g : s.groups)
        for (const auto & c : g) r.push_back({c.dst_offset, c.cp_size});
    return r;
}

std::vector<byte_range> emu_cp_async_pending_src(const cp_async_state & s) {
    std::vector<byte_range> r;
    auto add = [&](const cp_async_copy & c) {
        if (c.src_size) r.push_back({static_cast<size_t>(c.src), c.src_size});
    };
    for (const auto & c : s.uncommitted) add(c);
    for (const auto & g : s.groups)
        for (const auto & c : g) add(c);
    return r;
}

size_t emu_cp_async_outstanding(const cp_async_state & s) {
    size_t n = s.uncommitted.size();
    for (const auto & g : s.groups) n += g.size();
    return n;
}

}  // namespace xemb::emu
