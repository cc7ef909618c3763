// The cast_rows loops built for avx2 (flags set for this file in CMakeLists.txt by its name).
#define XEMB_ISA_NS avx2
#include "cast-impl.h"
