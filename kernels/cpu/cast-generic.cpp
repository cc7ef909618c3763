// The cast_rows loops built for generic (flags set for this file in CMakeLists.txt by its name).
#define XEMB_ISA_NS generic
#include "cast-impl.h"
