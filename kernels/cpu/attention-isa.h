// The per-ISA half of the CPU attention kernel (attention-impl.h built as attention-avx512.cpp,
// attention-avx2.cpp, attention-generic.cpp): one query block of one head against its keys.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xemb::cpu {

constexpr int64_t attn_block_q = 128;  // query rows per task (the unit of threading)
constexpr int64_t attn_block_k = 64;  // keys per tile: S tile [64 x 128] f32 (32 KB), near L1

// One block of query rows of one segment against one KV head. Rows are (position, head-in-group)
// pairs packed as r = pos * g + gi, so the g query heads sharing a KV head read each K/V tile once
// (GQA/MQA; g = 1 is one head). Strides in elements: q/out point at position 0 of head hk * g of
// the segment, row r at q + (r / g) * q_rs + (r % g) * d; k/v point at key 0 of head hk, key j at
// k + j * kv_rs, or through a page table at k + pages[j / page_size] * page_rs + (j % page_size) * kv_rs.
struct attn_task {
    const void * q;
    int64_t q_rs;
    const void * k;
    const void * v;
    int64_t kv_rs;
    const int32_t * pages;  // nullptr: contiguous keys
    int64_t page_size, page_rs;
    void * out;
    int64_t out_rs;
    float * lse;     // nullptr unless requested; row r at lse[(r % g) * lse_hs + r / g]
    int64_t lse_hs;
    int64_t g;       // query heads per KV head
    int64_t r0;      // first packed row of this block
    int64_t nq;      // rows in this block (<= attn_block_q)
    int64_t sq, sk;  // segment lengths (positions, keys)
    int64_t d;
    float scale, softcap;
    int64_t left, right;  // window bounds, -1 = unbounded (right already 0 under causal)
};

// dtype index: 0 f32, 1 f16, 2 bf16. scratch: attn_scratch_floats(d) floats, 64-byte aligned.
using attn_block_fn = void (*)(const attn_task &, float * scratch);
struct attn_kernels {
    attn_block_fn block[3];
};

inline int64_t attn_dpad(int64_t d) { return (d + 15) / 16 * 16; }
inline size_t attn_scratch_floats(int64_t d) {
    const int64_t dp = attn_dpad(d);
    // Qt [d][BQ], K and V tiles [BK][dp], S^T [BK][BQ], O [BQ][dp], m, l, lo, hi [BQ]
    return static_cast<size_t>(d * attn_block_q + 2 * attn_block_k * dp + attn_block_k * attn_block_q + attn_block_q * dp + 4 * attn_block_q);
}

namespace avx512 { extern const attn_kernels attn_table; }
namespace avx2 { extern const attn_kernels attn_table; }
namespace generic { extern const attn_kernels attn_table; }

}  // namespace xemb::cpu
