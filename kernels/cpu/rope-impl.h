// Row loops of rope (apply), compiled once per instruction set (rope-avx512.cpp, rope-avx2.cpp,
// rope-generic.cpp include this with XEMB_ISA_NS set):
// out = cast_T(x * cos + rotate_half(x) * sin) per [D] row, the table row shared by the H heads,
// compute type C = T when the tables have x's dtype (every op rounded to T) else f32. PyTorch
// rounds each product and the sum, so contraction into FMA (these files' ISA flags allow it) is
// switched off for this file's functions; the bit-exact rope tests run on every ISA level.
#pragma GCC optimize("fp-contract=off")
#include <type_traits>

#include "common.h"
#include "rope-rows.h"

namespace xemb::cpu::XEMB_ISA_NS {

namespace {

template <class T, class U, bool RoundEach>
void apply_rows(const rope_params & p, int64_t r0, int64_t r1, float * __restrict c, float * __restrict s) {
    const int64_t S = p.seq, H = p.heads, D = p.dim, half = D / 2;
    int64_t loaded = -1;
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t bs = r / H;  // (b, s) row of x
        const int64_t trow = p.cos_batched ? bs : bs % S;
        if (trow != loaded) {
            const U * cp = p.cos.ptr<U>() + trow * D;
            const U * sp = p.sin.ptr<U>() + trow * D;
            for (int64_t j = 0; j < D; ++j) c[j] = to_f32(cp[j]);
            for (int64_t j = 0; j < D; ++j) s[j] = to_f32(sp[j]);
            loaded = trow;
        }
        const T * __restrict x = p.x.ptr<T>() + r * D;
        T * __restrict o = p.out.ptr<T>() + r * D;
        for (int64_t j = 0; j < half; ++j) {
            const float x1 = to_f32(x[j]), x2 = to_f32(x[j + half]);
            float a = x1 * c[j], b = -x2 * s[j], e = x2 * c[j + half], f = x1 * s[j + half];
            if constexpr (RoundEach) {
                a = to_f32(from_f32<T>(a));
                b = to_f32(from_f32<T>(b));
                e = to_f32(from_f32<T>(e));
                f = to_f32(from_f32<T>(f));
            }
            o[j] = from_f32<T>(a + b);
            o[j + half] = from_f32<T>(e + f);
        }
    }
}

void apply(const rope_params & p, int64_t r0, int64_t r1, float * c, float * s) {
    with_dtype(p.x.type, [&](auto tx) {
        using T = decltype(tx);
        if constexpr (is_floatish_v<T>) {
            with_dtype(p.cos.type, [&](auto tc) {
                using U = decltype(tc);
                if constexpr (is_floatish_v<U>) {
                    if constexpr (std::is_same_v<T, U> && is_half_v<T>) apply_rows<T, U, true>(p, r0, r1, c, s);
                    else apply_rows<T, U, false>(p, r0, r1, c, s);
                }
            });
        }
    });
}

}  // namespace

extern const rope_rows rope_table;
const rope_rows rope_table = {apply};

}  // namespace xemb::cpu::XEMB_ISA_NS
