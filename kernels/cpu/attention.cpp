// attention (CPU): out = softmax(mask(scale q k^T [softcapped])) v per segment and head, with
// FlashAttention-2 masking (params/attention.h). q [B, Sq, H, D] | [Tq, H, D], k/v
// [B, Sk, Hkv, D] | [Tk, Hkv, D], out like q, lse f32 [B, H, Sq] | [H, Tq].
// Threads over (segment, KV head, block of 64 rows), the rows being (position, query head of the
// KV head's group) pairs so that each K/V tile is converted once for all heads sharing it (GQA);
// each task runs the tiled online-softmax block kernel of its ISA (attention-impl.h: avx512 for
// levels 2-3, avx2, generic) with a per-thread scratch of O(64 x D) floats. Reference: FlashAttention-2 (arXiv 2307.08691).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "../../native/thread-pool.h"
#include "attention-isa.h"
#include "ops.h"
#include "vec.h"

namespace xemb::cpu {

namespace {

// Clamped running maximum of device-provided boundaries (params/attention.h): never out of range.
std::vector<int64_t> clamp_cu(const int32_t * cu, int64_t n, int64_t total) {
    std::vector<int64_t> c(static_cast<size_t>(n));
    int64_t prev = 0;
    for (int64_t i = 0; i < n; ++i) {
        int64_t x = cu[i];
        if (i > 0 && x < prev) x = prev;
        if (x < 0) x = 0;
        if (x > total) x = total;
        c[static_cast<size_t>(i)] = prev = x;
    }
    return c;
}

const attn_kernels & attn_for_isa() {
    switch (isa_level()) {
        case 3:
        case 2: return avx512::attn_table;
        case 1: return avx2::attn_table;
        default: return generic::attn_table;
    }
}

float * aligned_scratch(size_t floats) {
    thread_local std::unique_ptr<float[]> buf;
    thread_local size_t cap = 0;
    if (cap < floats + 16) {
        buf.reset(new float[floats + 16]);
        cap = floats + 16;
    }
    uintptr_t p = reinterpret_cast<uintptr_t>(buf.get());
    return reinterpret_cast<float *>((p + 63) & ~static_cast<uintptr_t>(63));
}

// What the task driver needs of one segment: its query rows, its keys (contiguous or paged,
// pointing at head 0) and where its lse rows start (head 0, position 0).
struct seg_view {
    int64_t q_begin, q_len, k_len;
    const char * k;
    const char * v;
    const int32_t * pages;
    float * lse;
};

struct common_view {
    const char * q;
    char * out;
    size_t esz;
    int dt;
    int64_t h, hkv, d, kv_rs, page_size, page_rs, lse_hs;
    float scale, softcap;
    int64_t left, right;
};

// Threads over (segment, KV head, block of 64 packed (position, head-in-group) rows).
void run_tasks(const common_view & c, const std::vector<seg_view> & segs, const exec_ctx & ctx) {
    const int64_t g = c.h / c.hkv, q_rs = c.h * c.d;
    struct task_ref {
        int32_t seg;
        int32_t hk;
        int64_t r0;
    };
    std::vector<task_ref> tasks;
    for (size_t b = 0; b < segs.size(); ++b)
        for (int64_t r0 = 0; r0 < segs[b].q_len * g; r0 += attn_block_q)
            for (int64_t hk = 0; hk < c.hkv; ++hk) tasks.push_back({static_cast<int32_t>(b), static_cast<int32_t>(hk), r0});
    if (tasks.empty()) return;
    // Later rows see more keys under a causal mask: hand out the costly blocks first, one task at a
    // time, so the threads finish together (the pool itself splits [0, n) statically).
    std::stable_sort(tasks.begin(), tasks.end(), [](const task_ref & x, const task_ref & y) { return x.r0 > y.r0; });
    std::atomic<int64_t> next{0};
    const int64_t n_tasks = static_cast<int64_t>(tasks.size());
    const attn_block_fn fn = attn_for_isa().block[c.dt];
    const size_t scratch_floats = attn_scratch_floats(c.d);
    const int64_t es = static_cast<int64_t>(c.esz);
    const int64_t workers = std::min<int64_t>(ctx.pool->size(), n_tasks);
    ctx.pool->parallel_for(workers, 1, [&](int64_t, int64_t) {
        float * scratch = aligned_scratch(scratch_floats);
        for (int64_t ti = next++; ti < n_tasks; ti = next++) {
            const task_ref & tr = tasks[static_cast<size_t>(ti)];
            const seg_view & sg = segs[static_cast<size_t>(tr.seg)];
            const int64_t h0 = tr.hk * g;  // first query head of the group
            attn_task t;
            t.q = c.q + (sg.q_begin * q_rs + h0 * c.d) * es;
            t.q_rs = q_rs;
            t.k = sg.k + tr.hk * c.d * es;
            t.v = sg.v + tr.hk * c.d * es;
            t.kv_rs = c.kv_rs;
            t.pages = sg.pages;
            t.page_size = c.page_size;
            t.page_rs = c.page_rs;
            t.out = c.out + (sg.q_begin * q_rs + h0 * c.d) * es;
            t.out_rs = q_rs;
            t.lse = sg.lse ? sg.lse + h0 * c.lse_hs : nullptr;
            t.lse_hs = c.lse_hs;
            t.g = g;
            t.r0 = tr.r0;
            t.nq = sg.q_len * g - tr.r0 < attn_block_q ? sg.q_len * g - tr.r0 : attn_block_q;
            t.sq = sg.q_len;
            t.sk = sg.k_len;
            t.d = c.d;
            t.scale = c.scale;
            t.softcap = c.softcap;
            t.left = c.left;
            t.right = c.right;
            fn(t, scratch);
        }
    });
}

common_view common_of(const tensor & q, const tensor & out, int64_t h, int64_t hkv, int64_t d, double scale, double softcap, int64_t left, int64_t right) {
    common_view c{};
    c.q = static_cast<const char *>(q.data());
    c.out = static_cast<char *>(out.data());
    c.esz = dtype_size(q.type);
    c.dt = q.type == dtype::f32 ? 0 : q.type == dtype::f16 ? 1 : 2;
    c.h = h;
    c.hkv = hkv;
    c.d = d;
    c.kv_rs = hkv * d;
    c.scale = static_cast<float>(scale);
    c.softcap = static_cast<float>(softcap);
    c.left = left;
    c.right = right;
    return c;
}

}  // namespace

status attention(const attention_params & p, const exec_ctx & ctx) {
    common_view c = common_of(p.q, p.out, p.h, p.hkv, p.d, p.scale, p.softcap, p.window_left, p.right_bound());
    const int64_t q_rs = p.h * p.d, es = static_cast<int64_t>(c.esz);
    const char * kb = static_cast<const char *>(p.k.data());
    const char * vb = static_cast<const char *>(p.v.data());
    float * lse = p.return_lse ? p.lse.ptr<float>() : nullptr;
    std::vector<seg_view> segs;
    if (p.varlen) {
        // lse [H, Tq]: head stride Tq, segment rows at q_begin
        c.lse_hs = p.sq;
        const std::vector<int64_t> cq = clamp_cu(p.cu_q.ptr<int32_t>(), p.batch + 1, p.sq);
        const std::vector<int64_t> ck = clamp_cu(p.cu_k.ptr<int32_t>(), p.batch + 1, p.sk);
        for (int64_t b = 0; b < p.batch; ++b)
            segs.push_back({cq[b], cq[b + 1] - cq[b], ck[b + 1] - ck[b], kb + ck[b] * c.kv_rs * es, vb + ck[b] * c.kv_rs * es, nullptr, lse ? lse + cq[b] : nullptr});
        // rows no segment covers (bad device boundaries only): 0 / -inf
        auto clear = [&](int64_t r0, int64_t r1) {
            if (r1 <= r0) return;
            std::memset(c.out + r0 * q_rs * es, 0, static_cast<size_t>((r1 - r0) * q_rs * es));
            if (lse)
                for (int64_t hh = 0; hh < p.h; ++hh)
                    for (int64_t r = r0; r < r1; ++r) lse[hh * p.sq + r] = -INFINITY;
        };
        clear(0, cq.front());
        clear(cq.back(), p.sq);
    } else {
        // lse [B, H, Sq]: head stride Sq, batch b at b * H * Sq
        c.lse_hs = p.sq;
        for (int64_t b = 0; b < p.batch; ++b)
            segs.push_back({b * p.sq, p.sq, p.sk, kb + b * p.sk * c.kv_rs * es, vb + b * p.sk * c.kv_rs * es, nullptr, lse ? lse + b * p.h * p.sq : nullptr});
    }
    run_tasks(c, segs, ctx);
    return status::success();
}

// attention_with_kv_cache: append k_new/v_new into the cache (in place), then attend. Every
// position and page was validated on the host (params/attention.h).
status attention(const attention_kv_params & p, const exec_ctx & ctx) {
    const int64_t es = static_cast<int64_t>(dtype_size(p.q.type)), kv_rs = p.hkv * p.d;
    const std::vector<int64_t> & seq = p.seqlens_host;
    // the validated host copy of the page table, as i32 for the block kernel
    std::vector<int32_t> table_v(p.table_host.begin(), p.table_host.end());
    const int32_t * table = p.paged ? table_v.data() : nullptr;
    char * kc = static_cast<char *>(p.k_cache.data());
    char * vc = static_cast<char *>(p.v_cache.data());
    // element offset of token `pos` of sequence b (head 0)
    auto token = [&](int64_t b, int64_t pos) -> int64_t {
        if (table) return (static_cast<int64_t>(table[b * p.max_pages + pos / p.page_size]) * p.page_size + pos % p.page_size) * kv_rs;
        return (b * p.capacity + pos) * kv_rs;
    };
    if (p.has_new) {
        const char * kn = static_cast<const char *>(p.k_new.data());
        const char * vn = static_cast<const char *>(p.v_new.data());
        const size_t row = static_cast<size_t>(kv_rs * es);
        for (int64_t b = 0; b < p.batch; ++b)
            for (int64_t i = 0; i < p.s_new; ++i) {
                const int64_t dst = token(b, seq[b] + i) * es, src = (b * p.s_new + i) * kv_rs * es;
                std::memcpy(kc + dst, kn + src, row);
                std::memcpy(vc + dst, vn + src, row);
            }
    }
    common_view c = common_of(p.q, p.out, p.h, p.hkv, p.d, p.scale, p.softcap, p.window_left, p.right_bound());
    c.page_size = p.page_size;
    c.page_rs = p.page_size * kv_rs;
    c.lse_hs = p.sq;
    float * lse = p.return_lse ? p.lse.ptr<float>() : nullptr;
    std::vector<seg_view> segs;
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t base = table ? 0 : token(b, 0) * es;
        segs.push_back({b * p.sq, p.sq, seq[b] + p.s_new, kc + base, vc + base, table ? table + b * p.max_pages : nullptr, lse ? lse + b * p.h * p.sq : nullptr});
    }
    run_tasks(c, segs, ctx);
    return status::success();
}

}  // namespace xemb::cpu
