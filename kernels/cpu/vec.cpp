#include "vec.h"

#include <cstdlib>
#include <cstring>

namespace xemb::cpu {

namespace avx512 { extern const vec_kernels table; }
namespace avx2 { extern const vec_kernels table; }
namespace generic { extern const vec_kernels table; }

namespace {
int hw_level() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

int chosen_level() {
    int level = hw_level();
    if (const char * env = std::getenv("XEMB_CPU_ISA")) {
        int want = std::strcmp(env, "generic") == 0 ? 0 : std::strcmp(env, "avx2") == 0 ? 1 : 2;
        if (want < level) level = want;
    }
    return level;
}
}  // namespace

const vec_kernels & vec() {
    static const vec_kernels * k = [] {
        switch (chosen_level()) {
            case 2: return &avx512::table;
            case 1: return &avx2::table;
            default: return &generic::table;
        }
    }();
    return *k;
}

const char * best_isa() {
    switch (hw_level()) {
        case 2: return "avx512";
        case 1: return "avx2";
        default: return "generic";
    }
}

}  // namespace xemb::cpu
