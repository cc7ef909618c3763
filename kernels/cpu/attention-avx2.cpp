// The CPU attention block kernel built for avx2 (flags set by file name in CMakeLists.txt).
#define XEMB_ISA_NS avx2
#define XEMB_ATTN_VW 8
#include "attention-impl.h"
