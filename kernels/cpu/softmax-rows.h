// The per-ISA row loops of the softmax op (softmax-impl.h) behind one table per instruction set,
// picked from cpu::isa_level() by softmax.cpp.
#pragma once
#include <cstdint>

#include "../../native/params/softmax.h"

namespace xemb::cpu {

struct softmax_rows {
    // rows [r0, r1) of p; v: f32 scratch of p.d elements
    void (*rows)(const softmax_params & p, int64_t r0, int64_t r1, float * v);
};

const softmax_rows & softmax_kernels();

}  // namespace xemb::cpu
