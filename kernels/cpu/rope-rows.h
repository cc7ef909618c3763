// The per-ISA row loops of the rope op's application (rope-impl.h) behind one table per
// instruction set, picked from cpu::isa_level() by rope.cpp.
#pragma once
#include <cstdint>

#include "../../native/params/rope.h"

namespace xemb::cpu {

struct rope_rows {
    // rows [r0, r1) of x viewed as [rows, D]; c, s: f32 scratch of D elements each
    void (*apply)(const rope_params & p, int64_t r0, int64_t r1, float * c, float * s);
};

const rope_rows & rope_kernels();

}  // namespace xemb::cpu
