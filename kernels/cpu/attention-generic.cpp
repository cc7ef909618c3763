// The CPU attention block kernel built for generic (flags set by file name in CMakeLists.txt).
#define XEMB_ISA_NS generic
#define XEMB_ATTN_VW 4
#include "attention-impl.h"
