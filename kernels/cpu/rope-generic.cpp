// The rope row loops built for generic (flags set for this file in CMakeLists.txt).
#define XEMB_ISA_NS generic
#define XEMB_ISA_NAME "generic"
#include "rope-impl.h"
