// The CPU attention block kernel built for avx512 (flags set by file name in CMakeLists.txt).
#define XEMB_ISA_NS avx512
#define XEMB_ATTN_VW 16
#include "attention-impl.h"
