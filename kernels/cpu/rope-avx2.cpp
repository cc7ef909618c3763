// The rope row loops built for avx2 (flags set for this file in CMakeLists.txt).
#define XEMB_ISA_NS avx2
#define XEMB_ISA_NAME "avx2"
#include "rope-impl.h"
