#include "guard.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace xemb {

namespace {
std::mutex mu;
std::vector<std::string> & violations() {
    static auto * v = new std::vector<std::string>();
    return *v;
}
}  // namespace

bool guard_enabled() {
    static const bool on = [] {
        const char * e = std::getenv("XEMB_GUARD_BANDS");
        return e && std::strcmp(e, "0") != 0 && *e;
    }();
    return on;
}

void guard_record(std::string message) {
    std::lock_guard<std::mutex> lk(mu);
    violations().push_back(std::move(message));
}

std::vector<std::string> guard_drain() {
    std::lock_guard<std::mutex> lk(mu);
    std::vector<std::string> out;
    out.swap(violations());
    return out;
}

int64_t guard_find_damage(const uint8_t * p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != guard_pattern) return static_cast<int64_t>(i);
    return -1;
}

}  // namespace xemb
