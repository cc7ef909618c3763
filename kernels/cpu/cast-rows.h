// Contiguous conversions of the cast op that decide the speed of loading weights (bf16/f16 files
// read as f32, f32 weights stored as bf16), compiled once per instruction set (cast-avx512.cpp,
// cast-avx2.cpp, cast-generic.cpp include cast-impl.h) and picked by cast.cpp from isa_level().
// Bit-identical to convert<S, D> (native/elem.h, native/half.h): the loops call the same
// functions, written so that the compiler vectorizes them.
#pragma once
#include <cstdint>

namespace xemb::cpu {

struct cast_rows {
    void (*bf16_to_f32)(int64_t n, const uint16_t * src, float * dst);
    void (*f16_to_f32)(int64_t n, const uint16_t * src, float * dst);
    void (*f32_to_bf16)(int64_t n, const float * src, uint16_t * dst);
};

namespace avx512 { extern const cast_rows cast_rows_table; }
namespace avx2 { extern const cast_rows cast_rows_table; }
namespace generic { extern const cast_rows cast_rows_table; }

}  // namespace xemb::cpu
