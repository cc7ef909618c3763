// Entry of the primitive agreement probes (kernels/cuda/prim-probe.cu), compiled for the GPU and
// for cuda-emu. Sizes are fixed so that both sides allocate the same buffers.
#pragma once
#include <cstdint>

#include "../../native/registry.h"

namespace xemb::cuda {

constexpr int probe_count = 7;
constexpr int64_t probe_in_words = 4096;
constexpr int64_t probe_out_words = 8192;
constexpr const char * probe_names[probe_count] = {"shuffle", "vote", "atomic", "mma_f16", "mma_bf16", "ldmatrix", "cp_async"};

status prim_probe(int which, const uint32_t * in, uint32_t * out, const exec_ctx & ctx);

}  // namespace xemb::cuda
