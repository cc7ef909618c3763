// The rope row loops built for avx512 (flags set for this file in CMakeLists.txt).
#define XEMB_ISA_NS avx512
#define XEMB_ISA_NAME "avx512"
#include "rope-impl.h"
