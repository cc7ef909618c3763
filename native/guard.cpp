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

namespace {
int64_t find_damage(const uint8_t * p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != guard_pattern) return static_cast<int64_t>(i);
    return -1;
}
}  // namespace

void guard_fill(uint8_t * block, size_t guard, size_t bytes, size_t total) {
    std::memset(block, guard_pattern, guard);
    std::memset(block + guard + bytes, guard_pattern, total - guard - bytes);
}

void guard_check(const std::string & where, const char * producer, const uint8_t * block, size_t guard, size_t bytes, size_t total) {
    const int64_t lo = find_damage(block, guard);
    const int64_t hi = find_damage(block + guard + bytes, total - guard - bytes);
    if (lo < 0 && hi < 0) return;
    const int64_t at = lo >= 0 ? lo - static_cast<int64_t>(guard) : static_cast<int64_t>(bytes) + hi;
    guard_record(where + ": " + producer + " wrote outside its " + std::to_string(bytes) + "-byte output (first damaged byte at offset " +
                 std::to_string(at) + ", " + (lo >= 0 ? "before the start" : "past the end") + ")");
}

}  // namespace xemb
