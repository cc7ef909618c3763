// attention (CPU): out = softmax(mask(scale q k^T [softcapped])) v per segment and head, with
// FlashAttention-2 masking (params/attention.h). q [B, Sq, H, D] | [Tq, H, D], k/v
// [B, Sk, Hkv, D] | [Tk, Hkv, D], out like q, lse f32 [B, H, Sq] | [H, Tq].
// Threads over (segment, head, block of 64 query rows); each task runs the tiled online-softmax
// block kernel of its ISA (attention-impl.h: avx512 for levels 2-3, avx2, generic) with a
// per-thread scratch of O(64 x D) floats. Reference: FlashAttention-2 (arXiv 2307.08691).
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

struct segment {
    int64_t q_begin, q_len, k_begin, k_len;
};

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

}  // namespace

status attention(const attention_params & p, const exec_ctx & ctx) {
    const int64_t h = p.h, hkv = p.hkv, d = p.d, group = h / hkv;
    const size_t esz = dtype_size(p.q.type);
    const int dt = p.q.type == dtype::f32 ? 0 : p.q.type == dtype::f16 ? 1 : 2;
    std::vector<segment> segs;
    int64_t cq0 = 0, cq1 = p.sq;  // rows of q covered by segments (varlen); the rest get 0 / -inf
    if (p.varlen) {
        const std::vector<int64_t> cq = clamp_cu(p.cu_q.ptr<int32_t>(), p.batch + 1, p.sq);
        const std::vector<int64_t> ck = clamp_cu(p.cu_k.ptr<int32_t>(), p.batch + 1, p.sk);
        for (int64_t b = 0; b < p.batch; ++b)
            segs.push_back({cq[b], cq[b + 1] - cq[b], ck[b], ck[b + 1] - ck[b]});
        cq0 = cq.front();
        cq1 = cq.back();
    } else {
        for (int64_t b = 0; b < p.batch; ++b) segs.push_back({b * p.sq, p.sq, b * p.sk, p.sk});
    }
    // Row strides in elements: one token row of q/out is H*D, of k/v Hkv*D.
    const int64_t q_rs = h * d, kv_rs = hkv * d;
    const int64_t total_q = p.varlen ? p.sq : p.batch * p.sq;
    // lse element of (row t of segment b (packed index), head hh): varlen [H, Tq], dense [B, H, Sq]
    auto lse_at = [&](int64_t seg, int64_t row, int64_t hh) -> float * {
        if (!p.return_lse) return nullptr;
        float * base = p.lse.ptr<float>();
        if (p.varlen) return base + hh * total_q + row;
        return base + (seg * h + hh) * p.sq + (row - seg * p.sq);
    };
    auto zero_rows = [&](int64_t r0, int64_t r1) {
        if (r1 <= r0) return;
        std::memset(static_cast<char *>(p.out.data()) + r0 * q_rs * esz, 0, static_cast<size_t>((r1 - r0) * q_rs) * esz);
        if (p.return_lse)
            for (int64_t hh = 0; hh < h; ++hh)
                for (int64_t r = r0; r < r1; ++r) *lse_at(0, r, hh) = -INFINITY;
    };
    zero_rows(0, cq0);
    zero_rows(cq1, total_q);

    struct task_ref {
        int32_t seg;
        int32_t head;
        int64_t q0;
    };
    std::vector<task_ref> tasks;
    for (size_t b = 0; b < segs.size(); ++b)
        for (int64_t q0 = 0; q0 < segs[b].q_len; q0 += attn_block_q)
            for (int64_t hh = 0; hh < h; ++hh) tasks.push_back({static_cast<int32_t>(b), static_cast<int32_t>(hh), q0});
    if (tasks.empty()) return status::success();

    const attn_block_fn fn = attn_for_isa().block[dt];
    const size_t scratch_floats = attn_scratch_floats(d);
    const char * qb = static_cast<const char *>(p.q.data());
    const char * kb = static_cast<const char *>(p.k.data());
    const char * vb = static_cast<const char *>(p.v.data());
    char * ob = static_cast<char *>(p.out.data());
    const int64_t right = p.right_bound();
    ctx.pool->parallel_for(static_cast<int64_t>(tasks.size()), 1, [&](int64_t t0, int64_t t1) {
        float * scratch = aligned_scratch(scratch_floats);
        for (int64_t ti = t0; ti < t1; ++ti) {
            const task_ref & tr = tasks[static_cast<size_t>(ti)];
            const segment & sg = segs[static_cast<size_t>(tr.seg)];
            const int64_t hh = tr.head, hk = hh / group;
            const int64_t row = sg.q_begin + tr.q0;
            attn_task t;
            t.q = qb + (row * q_rs + hh * d) * static_cast<int64_t>(esz);
            t.q_rs = q_rs;
            t.k = kb + (sg.k_begin * kv_rs + hk * d) * static_cast<int64_t>(esz);
            t.v = vb + (sg.k_begin * kv_rs + hk * d) * static_cast<int64_t>(esz);
            t.kv_rs = kv_rs;
            t.out = ob + (row * q_rs + hh * d) * static_cast<int64_t>(esz);
            t.out_rs = q_rs;
            t.lse = nullptr;
            t.nq = sg.q_len - tr.q0 < attn_block_q ? sg.q_len - tr.q0 : attn_block_q;
            t.q0 = tr.q0;
            t.sq = sg.q_len;
            t.sk = sg.k_len;
            t.d = d;
            t.scale = static_cast<float>(p.scale);
            t.softcap = static_cast<float>(p.softcap);
            t.left = p.window_left;
            t.right = right;
            float lse_buf[attn_block_q];
            if (p.return_lse) t.lse = lse_buf;
            fn(t, scratch);
            if (p.return_lse)
                for (int64_t i = 0; i < t.nq; ++i) *lse_at(tr.seg, row + i, hh) = lse_buf[i];
        }
    });
    return status::success();
}

}  // namespace xemb::cpu
