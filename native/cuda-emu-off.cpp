// Stands in for kernels/emu when the addon is built without the CUDA emulator (XEMB_EMU=OFF).
#include "device.h"

namespace xemb {

void probe_cuda_emu(device_report &, std::vector<std::unique_ptr<device>> &) {}

}  // namespace xemb
