// The CPU device: 64-byte aligned allocations with statistics, one ordered queue, and a thread
// pool sized to the machine's cores (XEMB_CPU_THREADS overrides).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "../../native/device.h"
#include "../../native/guard.h"
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
        const size_t guard = guard_enabled() ? guard_bytes : 0;
        size_t rounded = (bytes + align - 1) / align * align;
        size_t total = rounded + 2 * guard;
        char * base = total ? static_cast<char *>(std::aligned_alloc(align, total)) : nullptr;
        if (total && !base)
            return make_status(status_code::out_of_memory, "cpu: could not allocate " + std::to_string(bytes) + " bytes");
        if (guard) {
            std::memset(base, guard_pattern, guard);
            std::memset(base + guard + bytes, guard_pattern, total - guard - bytes);
        }
        auto s = std::make_shared<storage>();
        s->dev = this;
        s->data = base ? base + guard : nullptr;
        s->bytes = bytes;
        note_alloc(bytes);
        s->release = [this, base, guard, total](storage & st) {
            if (guard) check_guards(st, base, guard, total);
            std::free(base);
            allocated_.fetch_sub(st.bytes);
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
    static void check_guards(const storage & st, const char * base, size_t guard, size_t total) {
        const auto * b = reinterpret_cast<const uint8_t *>(base);
        int64_t lo = guard_find_damage(b, guard);
        int64_t hi = guard_find_damage(b + guard + st.bytes, total - guard - st.bytes);
        if (lo >= 0 || hi >= 0)
            guard_record(std::string("cpu: ") + st.producer + " wrote outside its " + std::to_string(st.bytes) + "-byte output (" +
                         (lo >= 0 ? std::to_string(static_cast<int64_t>(guard) - lo) + " bytes before the start" : std::to_string(hi) + " bytes past the end") + ")");
    }
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
