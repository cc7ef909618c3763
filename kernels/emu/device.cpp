// The cuda-emu device: the CUDA kernels of kernels/cuda/*.cu compiled by the host compiler
// against kernels/emu (every CUDA thread a fiber), on host memory. It exists for tests: it is
// registered only when XEMB_ENABLE_CUDA_EMU=1, so CI runs every CUDA kernel without a GPU.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../../native/device.h"
#include "../../native/guard.h"

namespace xemb {

namespace cuda_emu { extern const kernel_table table; }

namespace {

class cuda_emu_device final : public host_memory_device {
  public:
    cuda_emu_device() : table_(cuda_emu::table) {
        table_.backend = "cuda-emu";
        info_.backend = "cuda-emu";
        info_.index = 0;
        info_.name = "CUDA emulator (fibers on the host)";
        info_.cc_major = 8;
        info_.cc_minor = 0;
        queue_ = std::make_unique<device_queue>("cuda-emu");
    }

    const device_info & info() const override { return info_; }

    // Host allocations with the same guard bands as the other devices, so an off-by-one global
    // write in a CUDA kernel is caught here, without a GPU.
    status allocate(size_t bytes, storage_ptr & out) override {
        const size_t guard = guard_enabled() ? guard_bytes : 0;
        const size_t total = (bytes + 255) / 256 * 256 + 2 * guard;
        char * base = static_cast<char *>(std::aligned_alloc(256, total));
        if (!base) return make_status(status_code::out_of_memory, "cuda-emu: could not allocate " + std::to_string(bytes) + " bytes");
        // fresh device memory is not zero on a GPU either: a recognisable pattern exposes reads
        // of never-written output
        std::memset(base + guard, 0xCD, total - 2 * guard);
        if (guard) guard_fill(reinterpret_cast<uint8_t *>(base), guard, bytes, total);
        auto s = std::make_shared<storage>();
        s->dev = this;
        s->data = base + guard;
        s->bytes = bytes;
        allocated_ += bytes;
        if (allocated_ > peak_) peak_ = allocated_.load();
        ++count_;
        s->release = [this, base, guard, total](storage & st) {
            if (guard) guard_check("cuda-emu", st.producer, reinterpret_cast<const uint8_t *>(base), guard, st.bytes, total);
            allocated_ -= st.bytes;
            std::free(base);
        };
        out = std::move(s);
        return status::success();
    }

    memory_stats memory() const override {
        memory_stats m;
        m.allocated = allocated_;
        m.peak = peak_;
        m.reserved = allocated_;
        m.alloc_count = count_;
        return m;
    }

    const kernel_table & kernels() const override { return table_; }
    exec_ctx context(op_id op) override { return exec_ctx{this, nullptr, nullptr, op}; }

  private:
    kernel_table table_;
    device_info info_;
    std::atomic<uint64_t> allocated_{0}, peak_{0}, count_{0};
};

}  // namespace

void probe_cuda_emu(device_report & report, std::vector<std::unique_ptr<device>> & owned) {
    const char * on = std::getenv("XEMB_ENABLE_CUDA_EMU");
    report.cuda_emu_compiled = true;
    if (!on || std::strcmp(on, "1") != 0) return;
    owned.push_back(std::make_unique<cuda_emu_device>());
}

}  // namespace xemb
