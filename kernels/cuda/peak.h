// Measured peaks of a CUDA device (kernels/cuda/peak.cu), run on the device's queue thread.
#pragma once
#include <cuda_runtime.h>

#include "../../native/device.h"

namespace xemb::cuda {

status measure_peaks(cudaStream_t stream, int sm_count, device_peaks & out);

}  // namespace xemb::cuda
