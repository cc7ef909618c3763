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
// A guarded block is [band | data (bytes) | band up to total]: `guard` bytes before the data and
// the rest of `total` after it. Both helpers work on host memory (CUDA checks a host copy).
void guard_fill(uint8_t * block, size_t guard, size_t bytes, size_t total);
// Records a violation, naming `where` (device id) and the op that produced the data, when a band
// was written.
void guard_check(const std::string & where, const char * producer, const uint8_t * block, size_t guard, size_t bytes, size_t total);

}  // namespace xemb
