// The CPU device: 64-byte aligned allocations with statistics, one ordered queue, and a thread
// pool sized to the machine's cores (XEMB_CPU_THREADS overrides).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "../../native/device.h"
#include "../../native/thread-pool.h"
#include "vec.h"

namespace xemb {

namespace cpu { extern const kernel_table table; }

namespace {

std::string cpu_model_name() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto pos = line.find(':');
            if (pos != std::string::npos) return line.substr(pos + 2);
        }
    }
    return "CPU";
}

int pool_threads() {
    if (const char * env = std::getenv("XEMB_CPU_THREADS")) {
        int n = std::atoi(env);
        if (n > 0) return n;
    }
    unsigned n = std::thread::hardware_concurrency();
    return n ? static_cast<int>(n) : 1;
}

class cpu_device final : public device {
  public:
    cpu_device() : pool_(pool_threads()) {
        info_.backend = "cpu";
        info_.index = 0;
        info_.name = cpu_model_name();
        info_.cores = pool_.size();
        info_.isa = cpu::vec().isa;
        queue_ = std::make_unique<device_queue>("cpu");
    }
    const device_info & info() const override { return info_; }

    status allocate(size_t bytes, storage_ptr & out) override {
        constexpr size_t align = 64;  // one cache line; enough for AVX-512 loads
        size_t rounded = (bytes + align - 1) / align * align;
        void * p = rounded ? std::aligned_alloc(align, rounded) : nullptr;
        if (rounded && !p)
            return make_status(status_code::out_of_memory, "cpu: could not allocate " + std::to_string(bytes) + " bytes");
        auto s = std::make_shared<storage>();
        s->dev = this;
        s->data = p;
        s->bytes = bytes;
        note_alloc(bytes);
        s->release = [this](void * data, size_t n) {
            std::free(data);
            allocated_.fetch_sub(n);
        };
        out = std::move(s);
        return status::success();
    }

    memory_stats memory() const override {
        memory_stats m;
        m.allocated = allocated_.load();
        m.peak = peak_.load();
        m.reserved = m.allocated;
        m.alloc_count = count_.load();
        return m;
    }

    status copy_from_host(void * dst, const void * src, size_t bytes) override {
        std::memcpy(dst, src, bytes);
        return status::success();
    }
    status copy_to_host(void * dst, const void * src, size_t bytes) override {
        std::memcpy(dst, src, bytes);
        return status::success();
    }
    const kernel_table & kernels() const override { return cpu::table; }
    exec_ctx context(op_id op) override { return exec_ctx{this, &pool_, nullptr, op}; }

  private:
    void note_alloc(size_t bytes) {
        uint64_t now = allocated_.fetch_add(bytes) + bytes;
        uint64_t prev = peak_.load();
        while (now > prev && !peak_.compare_exchange_weak(prev, now)) {}
        count_.fetch_add(1);
    }
    device_info info_;
    thread_pool pool_;
    std::atomic<uint64_t> allocated_{0}, peak_{0}, count_{0};
};

}  // namespace

std::unique_ptr<device> make_cpu_device() { return std::make_unique<cpu_device>(); }

}  // namespace xemb
