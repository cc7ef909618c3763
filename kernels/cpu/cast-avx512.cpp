// The cast_rows loops built for avx512 (flags set for this file in CMakeLists.txt by its name).
#define XEMB_ISA_NS avx512
#include "cast-impl.h"
