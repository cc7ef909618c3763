// Emulated warp shuffles, votes and __syncwarp, all built on warp_collective (warp-collective.h).
// Source-lane arithmetic and vote results: reference/ptx-warp-primitives.md 5.2, 5.3, 5.5.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu.h"

namespace xemb::emu {

enum class shfl_mode : uint8_t { idx, up, down, bfly };

// One shfl.sync of a 4- or 8-byte value (an 8-byte shuffle is two 32-bit shuffles with the same
// lane arithmetic, i.e. the whole value moves). Faults: width not a power of two in [1, 32], the
// caller not in mask, the source lane not in mask or exited.
uint64_t shfl_bits(shfl_mode mode, uint32_t mask, uint64_t bits, unsigned bytes, int operand, int width, site where);

template <class T>
inline T shfl(shfl_mode mode, uint32_t mask, T v, int operand, int width, site where) {
    static_assert(std::is_trivially_copyable_v<T> && (sizeof(T) == 4 || sizeof(T) == 8), "shuffles move 32- or 64-bit values");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    b = shfl_bits(mode, mask, b, sizeof(T), operand, width, where);
    T r;
    std::memcpy(&r, &b, sizeof(T));
    return r;
}

enum class vote_mode : uint8_t { ballot, any, all };
// ballot: bit n set iff lane n is in mask, has not exited and passed p != 0. any / all: 1 or 0
// over the non-exited lanes of mask.
uint32_t vote(vote_mode mode, uint32_t mask, int pred, site where);

// __syncwarp(mask): rendezvous of the lanes of mask; orders their shared-memory accesses for the
// race checker (vector clocks over the warp's lanes).
void syncwarp(uint32_t mask, site where);

}  // namespace xemb::emu
