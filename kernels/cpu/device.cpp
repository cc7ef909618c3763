// The CPU device: 64-byte aligned allocations (large blocks cached by size) with statistics, one ordered queue, and a thread
// pool sized to the machine's cores (XEMB_CPU_THREADS overrides).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../native/device.h"
#include "../../native/guard.h"
#include "../../native/thread-pool.h"
#include "peak.h"
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

class cpu_device final : public host_memory_device {
  public:
    cpu_device() : pool_(pool_threads()) {
        info_.backend = "cpu";
        info_.index = 0;
        info_.name = cpu_model_name();
        info_.cores = pool_.size();
        info_.isa = cpu::isa_name(cpu::isa_level());
        queue_ = std::make_unique<device_queue>("cpu");
    }
    const device_info & info() const override { return info_; }

    status allocate(size_t bytes, storage_ptr & out) override {
        constexpr size_t align = 64;  // one cache line; enough for AVX-512 loads
        const size_t guard = guard_enabled() ? guard_bytes : 0;
        size_t rounded = (bytes + align - 1) / align * align;
        size_t total = rounded + 2 * guard;
        if (total >= cache_min) total = (total + cache_granule - 1) / cache_granule * cache_granule;
        char * base = total ? take_cached(total) : nullptr;
        if (total && !base) base = static_cast<char *>(std::aligned_alloc(align, total));
        if (total && !base) {
            release_cache();
            base = static_cast<char *>(std::aligned_alloc(align, total));
        }
        if (total && !base)
            return make_status(status_code::out_of_memory, "cpu: could not allocate " + std::to_string(bytes) + " bytes");
        if (guard) guard_fill(reinterpret_cast<uint8_t *>(base), guard, bytes, total);
        auto s = std::make_shared<storage>();
        s->dev = this;
        s->data = base ? base + guard : nullptr;
        s->bytes = bytes;
        note_alloc(bytes);
        s->release = [this, base, guard, total](storage & st) {
            if (guard) guard_check("cpu", st.producer, reinterpret_cast<const uint8_t *>(base), guard, st.bytes, total);
            allocated_.fetch_sub(st.bytes);
            give_back(base, total);
        };
        out = std::move(s);
        return status::success();
    }

    memory_stats memory() const override {
        memory_stats m;
        m.allocated = allocated_.load();
        m.peak = peak_.load();
        std::lock_guard<std::mutex> lk(cache_mu_);
        m.reserved = m.allocated + cached_bytes_;
        m.alloc_count = count_.load();
        m.cache_hits = hits_;
        return m;
    }

    void release_cache() override {
        std::lock_guard<std::mutex> lk(cache_mu_);
        for (auto & [sz, list] : cache_)
            for (char * p : list) std::free(p);
        cache_.clear();
        cached_bytes_ = 0;
    }

    status measure_peaks(device_peaks & out) override {
        cpu::cpu_peaks pk;
        XEMB_RETURN_IF_ERROR(cpu::measure_peaks(this, int64_t(1) << 30, pk));
        out.read_gbs = pk.read_gbs;
        out.flops_g = pk.fma_gflops;
        out.threads = pk.threads;
        out.label = std::string("f32 FMA, ") + pk.isa;
        return status::success();
    }

    const kernel_table & kernels() const override { return cpu::table; }
    exec_ctx context(op_id op) override { return exec_ctx{this, &pool_, nullptr, op}; }

  private:
    // Large blocks are cached by size: fresh pages cost a page fault per 4 KiB on first write,
    // which made a 64 MiB elementwise op several times slower than its memory traffic.
    static constexpr size_t cache_min = size_t(1) << 20;
    static constexpr size_t cache_granule = size_t(1) << 16;
    static constexpr size_t cache_cap = size_t(2) << 30;  // cached bytes kept at most

    char * take_cached(size_t total) {
        if (total < cache_min) return nullptr;
        std::lock_guard<std::mutex> lk(cache_mu_);
        auto it = cache_.find(total);
        if (it == cache_.end() || it->second.empty()) return nullptr;
        char * p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= total;
        ++hits_;
        return p;
    }

    void give_back(char * base, size_t total) {
        if (total >= cache_min) {
            std::lock_guard<std::mutex> lk(cache_mu_);
            if (cached_bytes_ + total <= cache_cap) {
                cache_[total].push_back(base);
                cached_bytes_ += total;
                return;
            }
        }
        std::free(base);
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
    mutable std::mutex cache_mu_;
    std::map<size_t, std::vector<char *>> cache_;
    size_t cached_bytes_ = 0;
    uint64_t hits_ = 0;
};

}  // namespace

std::unique_ptr<device> make_cpu_device() { return std::make_unique<cpu_device>(); }

}  // namespace xemb
