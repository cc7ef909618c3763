// Stands in for kernels/cuda when the addon is built without CUDA (XEMB_CUDA=off or no nvcc).
#include "device.h"

namespace xemb {

void probe_cuda(device_report & report, std::vector<std::unique_ptr<device>> &) {
    report.cuda_compiled = false;
    report.cuda_available = false;
    report.cuda_reason = "CUDA support was not compiled into this build (XEMB_CUDA=off or nvcc not found at build time)";
}

}  // namespace xemb
