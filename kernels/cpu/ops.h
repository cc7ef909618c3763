// CPU kernel entry points, one per registry op (named exactly as the op).
#pragma once
#include "../../native/params/all.h"
#include "../../native/registry.h"

namespace xemb::cpu {

#include "../../native/kernel-decls.inc"

}  // namespace xemb::cpu
