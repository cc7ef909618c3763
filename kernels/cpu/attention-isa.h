// The per-ISA half of the CPU attention kernel (attention-impl.h built as attention-avx512.cpp,
// attention-avx2.cpp, attention-generic.cpp): one query block of one head against its keys.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xemb::cpu {

constexpr int64_t attn_block_q = 64;  // query rows per task (the unit of threading)
constexpr int64_t attn_block_k = 64;  // keys per tile: S tile [64 x 64] f32 stays in L1

// One (segment, head, query block). Row strides in elements; q/out point at the block's first
// row of head h, k/v at the segment's first key row of head h / (H / Hkv).
struct attn_task {
    const void * q;
    int64_t q_rs;
    const void * k;
    const void * v;
    int64_t kv_rs;
    void * out;
    int64_t out_rs;
    float * lse;     // nullptr unless requested; row i at lse[i]
    int64_t nq;      // rows in this block (<= attn_block_q)
    int64_t q0;      // index of the first row inside the segment
    int64_t sq, sk;  // segment lengths
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
    return static_cast<size_t>(2 * attn_block_q * dp + d * attn_block_k + attn_block_k * dp + attn_block_q * attn_block_k + 2 * attn_block_q);
}

namespace avx512 { extern const attn_kernels attn_table; }
namespace avx2 { extern const attn_kernels attn_table; }
namespace generic { extern const attn_kernels attn_table; }

}  // namespace xemb::cpu
