// The activation op's per-ISA row loops (activation-impl.h) behind one table per instruction set.
#pragma once
#include <cstdint>

#include "../../native/dtype.h"

namespace xemb::cpu {

enum class act_fn : int { silu, gelu, gelu_tanh };

struct activation_rows {
    const char * isa;
    // out[i] = f(x[i]), i < n, elements of dtype t (f32/f16/bf16), f32 inside, one rounding
    void (*unary)(act_fn f, dtype t, int64_t n, const void * x, void * out);
    // out[i] = cast_t(cast_t(silu(gate[i])) * up[i])
    void (*swiglu)(dtype t, int64_t n, const void * gate, const void * up, void * out);
};

const activation_rows & activation_kernels();

}  // namespace xemb::cpu
