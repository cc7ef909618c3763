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
        return __builtin_cpu_supports("avx512bf16") ? 3 : 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

int chosen_level() {
    int level = hw_level();
    if (const char * env = std::getenv("XEMB_CPU_ISA")) {
        int want = std::strcmp(env, "generic") == 0 ? 0 : std::strcmp(env, "avx2") == 0 ? 1 : std::strcmp(env, "avx512") == 0 ? 2 : 3;
        if (want < level) level = want;
    }
    return level;
}
}  // namespace

int isa_level() {
    static const int level = chosen_level();
    return level;
}

const char * isa_name(int level) {
    switch (level) {
        case 3: return "avx512bf16";
        case 2: return "avx512";
        case 1: return "avx2";
        default: return "generic";
    }
}

const vec_kernels & vec() {
    static const vec_kernels * k = [] {
        switch (isa_level()) {
            case 3:
            case 2: return &avx512::table;
            case 1: return &avx2::table;
            default: return &generic::table;
        }
    }();
    return *k;
}

const char * best_isa() { return isa_name(hw_level()); }

}  // namespace xemb::cpu
