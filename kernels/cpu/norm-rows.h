// The per-ISA row loops of the norm op (norm-impl.h) behind one table per instruction set,
// picked from cpu::isa_level() by norm.cpp.
#pragma once
#include <cstdint>

#include "../../native/params/norm.h"

namespace xemb::cpu {

struct norm_rows {
    // rows [r0, r1) of p (any kind); w, b: weight and bias widened to f32 (b null without bias);
    // v, y: f32 scratch of p.d elements each
    void (*rows)(const norm_params & p, int64_t r0, int64_t r1, const float * w, const float * b, float * v, float * y);
};

const norm_rows & norm_kernels();

}  // namespace xemb::cpu
