// Bodies of cast_rows (cast-rows.h), included by one .cpp per ISA with XEMB_ISA_NS set.
// bf16 -> f32 is a 16-bit shift; f16 -> f32 and f32 -> bf16 are the branch-free-able bit
// manipulations of native/half.h, which the compiler turns into vector selects.
#include "../../native/half.h"
#include "cast-rows.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {

void bf16_to_f32_rows(int64_t n, const uint16_t * __restrict src, float * __restrict dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}

void f16_to_f32_rows(int64_t n, const uint16_t * __restrict src, float * __restrict dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

void f32_to_bf16_rows(int64_t n, const float * __restrict src, uint16_t * __restrict dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

}  // namespace

extern const cast_rows cast_rows_table;
const cast_rows cast_rows_table = {bf16_to_f32_rows, f16_to_f32_rows, f32_to_bf16_rows};

}  // namespace xemb::cpu::XEMB_ISA_NS
