#include "registry.h"

namespace xemb {

namespace {
constexpr const char * names[] = {
#define XEMB_OP(name, stem, P) #name,
#include "ops.def"
#undef XEMB_OP
};
constexpr const char * stems[] = {
#define XEMB_OP(name, stem, P) #stem,
#include "ops.def"
#undef XEMB_OP
};
static_assert(sizeof(names) / sizeof(names[0]) == op_count, "ops.def expansion mismatch");
}  // namespace

const char * op_name(op_id id) { return names[static_cast<int>(id)]; }
const char * op_stem(op_id id) { return stems[static_cast<int>(id)]; }

bool op_from_name(std::string_view name, op_id & out) {
    for (int i = 0; i < op_count; ++i) {
        if (name == names[i]) { out = static_cast<op_id>(i); return true; }
    }
    return false;
}

}  // namespace xemb
