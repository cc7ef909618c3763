// GEMM driver (gemm.h): c[m, n] = sum_k a(m, k) b(n, k) (+ bias[n]), f32 accumulation, one
// rounding to c's dtype. Variants: gemm_packed (B pre-packed in nr panels; tasks of mc rows x a
// run of panels are taken dynamically by the pool threads; per task and kc block A is packed
// once and every B micro-panel stays in L1 while the A panels stream from L2), and gemv for
// M <= 8 (decode: each weight row read once, in place, no packing, rows split over the threads).
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "../../native/elem.h"
#include "../../native/thread-pool.h"
#include "vec.h"

namespace xemb::cpu {

namespace gemm_amx {
extern const gemm_isa table;
bool usable();
}
namespace gemm_avx512bf16 { extern const gemm_isa table; }
namespace gemm_avx512 { extern const gemm_isa table; }
namespace gemm_avx2 { extern const gemm_isa table; }
namespace gemm_generic { extern const gemm_isa table; }

const gemm_isa & gemm_isa_f32() {
    static const gemm_isa * t = isa_level() >= 2 ? &gemm_avx512::table : isa_level() == 1 ? &gemm_avx2::table : &gemm_generic::table;
    return *t;
}

const gemm_isa & gemm_isa_for(dtype a, dtype b) {
    // usable() runs code compiled for avx512bf16: ask only at that level
    if (isa_level() >= 3 && a == dtype::bf16 && b == dtype::bf16) return gemm_amx::usable() ? gemm_amx::table : gemm_avx512bf16::table;
    return gemm_isa_f32();
}

namespace {

// Large buffers (packed weights, packed A) on 2 MiB boundaries with transparent huge pages
// requested (the common THP mode is madvise-only): the GEMM streams them, and with 4 KiB pages
// every 4 KiB of a streamed B panel costs a TLB miss (AMX 256 x 4096 x 4096, 1 thread: +15%).
void * alloc_big(size_t bytes) {
    constexpr size_t huge = size_t(2) << 20;
    if (bytes < huge) return std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    const size_t n = (bytes + huge - 1) / huge * huge;
    void * p = std::aligned_alloc(huge, n);
#ifdef __linux__
    if (p) madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

// Per-thread working memory that grows and is reused across calls (pool threads live as long
// as the device).
struct scratch {
    void * p = nullptr;
    size_t n = 0;
    ~scratch() { std::free(p); }
    void * get(size_t bytes) {
        if (bytes <= n) return p;
        std::free(p);
        n = (bytes + 4095) / 4096 * 4096;
        p = std::aligned_alloc(64, n);
        if (!p) n = 0;
        return p;
    }
};
thread_local scratch tl_a, tl_c;

float load_f32(const void * p, dtype t, int64_t i) {
    if (t == dtype::bf16) return bf16_to_f32(static_cast<const uint16_t *>(p)[i]);
    if (t == dtype::f16) return f16_to_f32(static_cast<const uint16_t *>(p)[i]);
    return static_cast<const float *>(p)[i];
}

void store(void * p, dtype t, int64_t i, float v) {
    if (t == dtype::bf16) static_cast<uint16_t *>(p)[i] = f32_to_bf16(v);
    else if (t == dtype::f16) static_cast<uint16_t *>(p)[i] = f32_to_f16(v);
    else static_cast<float *>(p)[i] = v;
}

// f32_to_bf16 without a branch, so that the loops below vectorise (same result, NaN included)
inline uint16_t to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return (u & 0x7fffffffu) > 0x7f800000u ? 0x7fc0u : static_cast<uint16_t>(r);
}

// rows x cols of f32 acc (row stride lda) -> c at (m0, n0): + bias, rounded to c's dtype. Column
// chunks: the bias is widened once per chunk and the row loops stay plain vectorisable loops.
void epilogue(const float * acc, int64_t lda, int64_t rows, int64_t cols, const gemm_out & c, int64_t m0, int64_t n0) {
    constexpr int64_t chunk = 256;
    alignas(64) float bias[chunk];
    for (int64_t j0 = 0; j0 < cols; j0 += chunk) {
        const int64_t w = std::min(chunk, cols - j0);
        if (c.bias)
            for (int64_t j = 0; j < w; ++j) bias[j] = load_f32(c.bias, c.bias_type, n0 + j0 + j);
        for (int64_t i = 0; i < rows; ++i) {
            const float * s = acc + i * lda + j0;
            const int64_t o = (m0 + i) * c.ldc + n0 + j0;
            if (c.type == dtype::f32) {
                float * d = static_cast<float *>(c.data) + o;
                if (c.bias) {
                    for (int64_t j = 0; j < w; ++j) d[j] = s[j] + bias[j];
                } else if (d != s) {
                    std::memcpy(d, s, static_cast<size_t>(w) * 4);
                }
            } else if (c.type == dtype::bf16) {
                uint16_t * d = static_cast<uint16_t *>(c.data) + o;
                if (c.bias) {
                    for (int64_t j = 0; j < w; ++j) d[j] = to_bf16(s[j] + bias[j]);
                } else {
                    for (int64_t j = 0; j < w; ++j) d[j] = to_bf16(s[j]);
                }
            } else {
                for (int64_t j = 0; j < w; ++j) store(c.data, c.type, o + j, c.bias ? s[j] + bias[j] : s[j]);
            }
        }
    }
}

}  // namespace

void gemm_fill_bias(int64_t M, int64_t N, const gemm_out & c) {
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) store(c.data, c.type, i * c.ldc + j, c.bias ? load_f32(c.bias, c.bias_type, j) : 0.0f);
}

status pack_b_all(const gemm_isa & isa, const gemm_operand & b, int64_t N, int64_t K, thread_pool & pool, packed_b & out) {
    const int64_t np = (N + isa.nr - 1) / isa.nr;
    const size_t panel = gemm_panel_bytes(isa, K);
    out.isa = &isa;
    out.n = N;
    out.k = K;
    out.bytes = panel * static_cast<size_t>(np);
    out.data = {static_cast<unsigned char *>(alloc_big(out.bytes + 64)), &std::free};
    if (!out.data) return make_status(status_code::out_of_memory, "gemm: could not allocate " + std::to_string(out.bytes) + " bytes for packed weights");
    unsigned char * base = out.data.get();
    pool.parallel_for(np, 4, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) isa.pack_b(b, p * isa.nr, std::min<int64_t>(isa.nr, N - p * isa.nr), K, base + static_cast<size_t>(p) * panel);
    });
    return status::success();
}

status gemm_packed(int64_t M, const gemm_operand & a, const packed_b & b, const gemm_out & c, thread_pool & pool) {
    const gemm_isa & isa = *b.isa;
    const int64_t N = b.n, K = b.k;
    if (M == 0 || N == 0) return status::success();
    if (K == 0) {
        gemm_fill_bias(M, N, c);
        return status::success();
    }
    const int64_t mr = isa.mr, nr = isa.nr;
    const size_t es = gemm_elem_bytes(isa);
    const int64_t mc = std::min<int64_t>(isa.mc, (M + mr - 1) / mr * mr);
    const int64_t mt = (M + mc - 1) / mc;
    const int64_t np = (N + nr - 1) / nr;
    const int threads = pool.size();
    // ~8 tasks per thread, so that a thread the OS preempts (other processes on the machine)
    // holds up little of the call; runs of panels short enough that a task's C tile (half
    // outputs accumulate in an f32 buffer) stays in L2
    int64_t nt = std::min<int64_t>(np, std::max<int64_t>(1, (8 * threads + mt - 1) / mt));
    int64_t ppt = std::min<int64_t>((np + nt - 1) / nt, std::max<int64_t>(1, 1024 / nr));
    nt = (np + ppt - 1) / ppt;
    const int64_t tasks = mt * nt;
    const bool direct = c.type == dtype::f32;
    std::atomic<int64_t> next{0};
    std::atomic<bool> oom{false};

    // Every task of one row block needs the same packed A: pack all of A once, in parallel, when
    // it is not huge (otherwise each task packs its block per kc step into a per-thread buffer).
    const int64_t kcp_max = gemm_k_padded(isa, isa.kc);
    const int64_t nkb = (K + isa.kc - 1) / isa.kc;
    const size_t ablock = static_cast<size_t>(mc * kcp_max) * es;
    // row stride of the f32 buffer: one cache line more than the task's columns, so that the rows
    // of a C tile (1024 columns = 4 KiB apart otherwise) do not all fall into one L1 set
    const int64_t cpad = 16;
    std::unique_ptr<unsigned char, void (*)(void *)> a_all(nullptr, &std::free);
    if (nt > 1 && static_cast<double>(ablock) * mt * nkb <= 256.0 * (1 << 20))
        a_all.reset(static_cast<unsigned char *>(alloc_big(ablock * mt * nkb)));
    if (a_all) {
        pool.parallel_for(mt * nkb, 1, [&](int64_t q0, int64_t q1) {
            for (int64_t q = q0; q < q1; ++q) {
                const int64_t mi = q / nkb, k0 = (q % nkb) * isa.kc;
                isa.pack_a(a, mi * mc, std::min(mc, M - mi * mc), k0, std::min(isa.kc, K - k0), a_all.get() + ablock * q);
            }
        });
    }

    pool.parallel_for(threads, 1, [&](int64_t, int64_t) {
        auto * ap_buf = a_all ? nullptr : static_cast<unsigned char *>(tl_a.get(ablock));
        float * cbuf = direct ? nullptr : static_cast<float *>(tl_c.get(static_cast<size_t>(mc * (ppt * nr + cpad)) * 4));
        if ((!a_all && !ap_buf) || (!direct && !cbuf)) {
            oom = true;
            return;
        }
        alignas(64) float edge[16 * 64];  // >= mr * nr of every variant
        for (int64_t t; (t = next.fetch_add(1)) < tasks;) {
            const int64_t mi = t / nt, ni = t % nt;
            const int64_t m0 = mi * mc, rows = std::min(mc, M - m0);
            const int64_t p0 = ni * ppt, p1 = std::min(np, p0 + ppt);
            const int64_t n0 = p0 * nr, cols = std::min(N, p1 * nr) - n0;
            float * C = direct ? static_cast<float *>(c.data) + m0 * c.ldc + n0 : cbuf;
            const int64_t ldc = direct ? c.ldc : (p1 - p0) * nr + cpad;
            for (int64_t k0 = 0; k0 < K; k0 += isa.kc) {
                const int64_t kcur = std::min(isa.kc, K - k0);
                const int64_t kcp = gemm_k_padded(isa, kcur);
                const bool acc = k0 > 0;
                const unsigned char * apk = a_all ? a_all.get() + ablock * (mi * nkb + k0 / isa.kc) : ap_buf;
                if (!a_all) isa.pack_a(a, m0, rows, k0, kcur, ap_buf);
                const int64_t nir = (rows + mr - 1) / mr;
                const size_t bblock = static_cast<size_t>(gemm_k_padded(isa, kcur) * nr) * es;  // one B micro-panel
                for (int64_t p = p0; p < p1; ++p) {
                    const unsigned char * bp = static_cast<const unsigned char *>(b.panel(p)) + static_cast<size_t>(k0 * nr) * es;
                    // the next B micro-panel comes from memory: fetch it into L2 in slices while
                    // this one runs, or the first A panel against it stalls on DRAM
                    const unsigned char * next = p + 1 < p1 ? bp + gemm_panel_bytes(isa, K) : nullptr;
                    const size_t slice = (bblock / 64 + nir - 1) / nir * 64;
                    const int64_t jcols = std::min(nr, N - p * nr);
                    for (int64_t ir = 0; ir < nir; ++ir) {
                        if (next)
                            for (size_t off = ir * slice; off < std::min(bblock, (ir + 1) * slice); off += 64) __builtin_prefetch(next + off, 0, 2);
                        const unsigned char * ap = apk + static_cast<size_t>(ir * kcp * mr) * es;
                        const int64_t irows = std::min(mr, rows - ir * mr);
                        float * cp = C + ir * mr * ldc + (p - p0) * nr;
                        // the f32 buffer of half outputs has room for whole tiles; the output does not
                        if (!direct || (irows == mr && jcols == nr)) {
                            isa.kernel(kcur, ap, bp, cp, ldc, acc);
                        } else {
                            isa.kernel(kcur, ap, bp, edge, nr, false);
                            for (int64_t i = 0; i < irows; ++i)
                                for (int64_t j = 0; j < jcols; ++j) cp[i * ldc + j] = (acc ? cp[i * ldc + j] : 0.0f) + edge[i * nr + j];
                        }
                    }
                }
            }
            epilogue(C, ldc, rows, cols, c, m0, n0);
        }
    });
    if (oom) return make_status(status_code::out_of_memory, "gemm: could not allocate per-thread packing buffers");
    return status::success();
}

status gemv(int64_t M, int64_t N, int64_t K, const gemm_operand & a, const void * w, dtype wt, int64_t ldw, const gemm_out & c, thread_pool & pool) {
    if (M == 0 || N == 0) return status::success();
    if (K == 0) {
        gemm_fill_bias(M, N, c);
        return status::success();
    }
    const gemm_isa & isa = gemm_isa_f32();
    std::unique_ptr<float[]> x(new (std::nothrow) float[static_cast<size_t>(M * K)]);
    const bool direct = c.type == dtype::f32;
    std::unique_ptr<float[]> ybuf(direct ? nullptr : new (std::nothrow) float[static_cast<size_t>(M * N)]);
    if (!x || (!direct && !ybuf)) return make_status(status_code::out_of_memory, "gemv: could not allocate the f32 row buffers");
    for (int64_t i = 0; i < M; ++i)
        for (int64_t k = 0; k < K; ++k) x[i * K + k] = load_f32(a.data, a.type, i * a.si + k * a.sk);
    float * y = direct ? static_cast<float *>(c.data) : ybuf.get();
    const int64_t ldy = direct ? c.ldc : N;
    // chunks of rows handed out dynamically: a busy core takes fewer
    const int64_t chunk = 32;
    const int64_t chunks = (N + chunk - 1) / chunk;
    std::atomic<int64_t> next{0};
    pool.parallel_for(std::min<int64_t>(pool.size(), chunks), 1, [&](int64_t, int64_t) {
        for (int64_t q; (q = next.fetch_add(1)) < chunks;) {
            const int64_t n0 = q * chunk, n1 = std::min(N, n0 + chunk);
            isa.gemv(M, K, x.get(), w, wt, ldw, n0, n1, y, ldy);
            epilogue(y + n0, ldy, M, n1 - n0, c, 0, n0);
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
