// Guard bands (test builds and XEMB_GUARD_BANDS=1): every device allocation gets a patterned band
// before and after it; the band is checked when the block is freed, and a damaged band is
// recorded with the op that produced the block. Catches out-of-bounds writes that value
// comparisons never see.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xemb {

constexpr size_t guard_bytes = 256;  // per side; a multiple of 64 keeps data aligned
constexpr uint8_t guard_pattern = 0xA5;

bool guard_enabled();
void guard_record(std::string message);
std::vector<std::string> guard_drain();
// first damaged byte index in [p, p+n) or -1
int64_t guard_find_damage(const uint8_t * p, size_t n);

}  // namespace xemb
