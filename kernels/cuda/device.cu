// CUDA devices: discovery without crashing (the runtime is linked statically and finds the
// driver at run time), one non-blocking stream per device driven by the device's queue thread,
// a stream-ordered caching allocator, and sticky-fault detection.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../native/device.h"
#include "../../native/guard.h"
#include "../../native/thread-pool.h"
#include "peak.h"
#include "prim/launch.cuh"

namespace xemb {

namespace cuda {

extern const kernel_table table;

bool is_sticky(cudaError_t e) {
    switch (e) {
        case cudaErrorIllegalAddress:
        case cudaErrorLaunchFailure:
        case cudaErrorIllegalInstruction:
        case cudaErrorMisalignedAddress:
        case cudaErrorInvalidAddressSpace:
        case cudaErrorInvalidPc:
        case cudaErrorHardwareStackError:
        case cudaErrorAssert:
        case cudaErrorECCUncorrectable:
        case cudaErrorUnknown:
            return true;
        default:
            return false;
    }
}

size_t max_dynamic_shared() {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) {
        (void)cudaGetLastError();
        return 49152;
    }
    return static_cast<size_t>(v);
}

status status_from_cuda(cudaError_t e, const char * what) {
    if (e == cudaSuccess) return status::success();
    std::string msg = std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    if (e == cudaErrorMemoryAllocation) return make_status(status_code::out_of_memory, msg);
    if (is_sticky(e)) return make_status(status_code::device_lost, msg);
    return make_status(status_code::device_error, msg);
}

namespace {

// Blocks are cached per rounded size and reused in stream order: every use of a block is
// enqueued on this device's single stream, so a block freed after its last use was launched can
// be handed to a later launch on the same stream without waiting.
class caching_allocator {
  public:
    explicit caching_allocator(int dev) : dev_(dev) {}

    static size_t round(size_t bytes) {
        if (bytes <= 512) return 512;
        if (bytes <= (size_t(1) << 20)) return (bytes + 511) / 512 * 512;
        return (bytes + (size_t(1) << 20) - 1) >> 20 << 20;  // 1 MiB granules for big blocks
    }

    status allocate(size_t bytes, void *& out) {
        size_t sz = round(bytes);
        std::lock_guard<std::mutex> lk(mu_);
        auto it = free_.find(sz);
        if (it != free_.end() && !it->second.empty()) {
            out = it->second.back();
            it->second.pop_back();
            stats_.cache_hits++;
        } else {
            cudaSetDevice(dev_);
            cudaError_t e = cudaMalloc(&out, sz);
            if (e == cudaErrorMemoryAllocation) {
                cudaGetLastError();
                release_locked();
                e = cudaMalloc(&out, sz);
            }
            if (e != cudaSuccess) {
                cudaGetLastError();
                status st = status_from_cuda(e, "cudaMalloc");
                st.message = "could not allocate " + std::to_string(bytes) + " bytes on cuda:" + std::to_string(dev_) + ": " + st.message;
                return st;
            }
            stats_.reserved += sz;
        }
        stats_.allocated += sz;
        if (stats_.allocated > stats_.peak) stats_.peak = stats_.allocated;
        stats_.alloc_count++;
        return status::success();
    }

    void free(void * p, size_t bytes) {
        std::lock_guard<std::mutex> lk(mu_);
        size_t sz = round(bytes);
        stats_.allocated -= sz;
        free_[sz].push_back(p);
    }

    void release() {
        std::lock_guard<std::mutex> lk(mu_);
        release_locked();
    }

    memory_stats stats() const {
        std::lock_guard<std::mutex> lk(mu_);
        return stats_;
    }

  private:
    void release_locked() {
        cudaSetDevice(dev_);
        // work still queued may own none of the cached blocks, but launched kernels might
        // still read a block freed just now: wait for the device before returning memory
        cudaDeviceSynchronize();
        for (auto & [sz, list] : free_) {
            for (void * p : list) {
                cudaFree(p);
                stats_.reserved -= sz;
            }
            list.clear();
        }
    }
    int dev_;
    mutable std::mutex mu_;
    std::map<size_t, std::vector<void *>> free_;
    memory_stats stats_;
};

// Staging for uploads from mapped files (native/upload.cpp): page-locked slots, so the copy to the
// device is a true asynchronous DMA on the stream, and one event per slot that says when the DMA
// reading it has finished. fill() copies from the mapping with several threads: one core cannot
// fault in and copy page-cache pages as fast as PCIe moves them.
class cuda_staging_ring final : public staging_ring {
  public:
    static constexpr int slot_count = 4;
    static constexpr size_t slot_size = size_t(16) << 20;

    cuda_staging_ring(int dev, cudaStream_t stream)
        : dev_(dev), stream_(stream), pool_(std::max(1, std::min(8, static_cast<int>(std::thread::hardware_concurrency())))) {}
    ~cuda_staging_ring() override {
        cudaSetDevice(dev_);
        for (int i = 0; i < slot_count; ++i) {
            if (events_[i]) {
                cudaEventSynchronize(events_[i]);
                cudaEventDestroy(events_[i]);
            }
            if (slots_[i]) cudaFreeHost(slots_[i]);
        }
    }
    status init() {
        for (int i = 0; i < slot_count; ++i) {
            void * p = nullptr;
            cudaError_t e = cudaHostAlloc(&p, slot_size, cudaHostAllocDefault);
            if (e == cudaSuccess) e = cudaEventCreateWithFlags(&events_[i], cudaEventDisableTiming);
            if (e != cudaSuccess) {
                cudaGetLastError();
                return status_from_cuda(e, "upload staging (cudaHostAlloc / cudaEventCreate)");
            }
            slots_[i] = static_cast<unsigned char *>(p);
        }
        return status::success();
    }
    int slots() const override { return slot_count; }
    size_t slot_bytes() const override { return slot_size; }
    unsigned char * slot(int i) override { return slots_[i]; }
    void fill(int i, const unsigned char * src, size_t bytes) override {
        constexpr int64_t piece = int64_t(1) << 20;
        unsigned char * dst = slots_[i];
        pool_.parallel_for(static_cast<int64_t>((bytes + piece - 1) / piece), 1, [&](int64_t b, int64_t e) {
            const size_t lo = static_cast<size_t>(b * piece);
            const size_t hi = std::min(bytes, static_cast<size_t>(e * piece));
            std::memcpy(dst + lo, src + lo, hi - lo);
        });
    }
    status wait(int i) override {
        if (!used_[i]) return status::success();
        return status_from_cuda(cudaEventSynchronize(events_[i]), "cudaEventSynchronize (upload staging)");
    }
    status send(int i, void * dst, size_t bytes) override {
        XEMB_RETURN_IF_ERROR(status_from_cuda(cudaMemcpyAsync(dst, slots_[i], bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (upload)"));
        used_[i] = true;
        return status_from_cuda(cudaEventRecord(events_[i], stream_), "cudaEventRecord (upload staging)");
    }

  private:
    int dev_;
    cudaStream_t stream_;
    thread_pool pool_;
    unsigned char * slots_[slot_count] = {};
    cudaEvent_t events_[slot_count] = {};
    bool used_[slot_count] = {};
};

class cuda_device final : public device {
  public:
    cuda_device(int index, const cudaDeviceProp & prop) : alloc_(index) {
        info_.backend = "cuda";
        info_.index = index;
        info_.name = prop.name;
        info_.cc_major = prop.major;
        info_.cc_minor = prop.minor;
        info_.total_memory = prop.totalGlobalMem;
        info_.sm_count = prop.multiProcessorCount;
        queue_ = std::make_unique<device_queue>("cuda:" + std::to_string(index));
        queue_->set_thread_init([this] { init_stream(); });
    }

    const device_info & info() const override { return info_; }

    status allocate(size_t bytes, storage_ptr & out) override {
        XEMB_RETURN_IF_ERROR(health());
        const size_t guard = guard_enabled() ? guard_bytes : 0;
        const size_t total = bytes ? (bytes + 255) / 256 * 256 + 2 * guard : 0;
        void * p = nullptr;
        if (total) XEMB_RETURN_IF_ERROR(alloc_.allocate(total, p));
        if (guard) {
            // bands are written with a blocking memset on the legacy stream before first use
            cudaSetDevice(info_.index);
            cudaMemset(p, guard_pattern, guard);
            cudaMemset(static_cast<char *>(p) + guard + bytes, guard_pattern, total - guard - bytes);
        }
        auto s = std::make_shared<storage>();
        s->dev = this;
        s->data = p ? static_cast<char *>(p) + guard : nullptr;
        s->bytes = bytes;
        if (p) s->release = [this, p, guard, total](storage & st) {
            if (guard) check_guards(st, static_cast<const char *>(p), guard, total);
            alloc_.free(p, total);
        };
        out = std::move(s);
        return status::success();
    }

    // Test mode only: waits for the stream so the kernels that wrote the block have finished.
    void check_guards(const storage & st, const char * base, size_t guard, size_t total) {
        std::vector<uint8_t> host(total);
        cudaSetDevice(info_.index);
        if (stream_) cudaStreamSynchronize(stream_);
        if (cudaMemcpy(host.data(), base, total, cudaMemcpyDeviceToHost) != cudaSuccess) {
            cudaGetLastError();
            return;
        }
        guard_check(id(), st.producer, host.data(), guard, st.bytes, total);
    }

    memory_stats memory() const override { return alloc_.stats(); }
    void release_cache() override { alloc_.release(); }

    status copy_from_host(void * dst, const void * src, size_t bytes) override {
        XEMB_RETURN_IF_ERROR(ready());
        // pageable source: the call returns once the source has been staged, so the caller may
        // free it right after
        return check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync(host to device)");
    }

    status copy_to_host(void * dst, const void * src, size_t bytes) override {
        XEMB_RETURN_IF_ERROR(ready());
        XEMB_RETURN_IF_ERROR(check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync(device to host)"));
        return check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    }

    status finish() override {
        XEMB_RETURN_IF_ERROR(ready());
        return check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    }

    status health() const override {
        std::lock_guard<std::mutex> lk(mu_);
        if (!lost_.empty())
            return make_status(status_code::device_lost, "cuda:" + std::to_string(info_.index) + " is unusable after a fault (" + lost_ + "); restart the process to use this GPU again, the CPU backend keeps working");
        return status::success();
    }

    status measure_peaks(device_peaks & out) override {
        XEMB_RETURN_IF_ERROR(ready());
        out.threads = info_.sm_count;
        return check_status(cuda::measure_peaks(stream_, info_.sm_count, out));
    }

    status check_status(status st) {
        note_status(st);
        return st;
    }

    status record_event(timing_event & ev) override {
        XEMB_RETURN_IF_ERROR(ready());
        if (!ev.native) {
            cudaEvent_t e;
            XEMB_RETURN_IF_ERROR(check(cudaEventCreate(&e), "cudaEventCreate"));
            ev.native = e;
            ev.destroy = [](void * p) { cudaEventDestroy(static_cast<cudaEvent_t>(p)); };
        }
        return check(cudaEventRecord(static_cast<cudaEvent_t>(ev.native), stream_), "cudaEventRecord");
    }

    status event_elapsed_ms(timing_event & a, timing_event & b, double & ms) override {
        if (!a.native || !b.native) return invalid_arg("eventElapsed: both events must be recorded on this CUDA device");
        XEMB_RETURN_IF_ERROR(check(cudaEventSynchronize(static_cast<cudaEvent_t>(b.native)), "cudaEventSynchronize"));
        float f = 0;
        XEMB_RETURN_IF_ERROR(check(cudaEventElapsedTime(&f, static_cast<cudaEvent_t>(a.native), static_cast<cudaEvent_t>(b.native)), "cudaEventElapsedTime"));
        ms = f;
        return status::success();
    }

    const kernel_table & kernels() const override { return cuda::table; }
    exec_ctx context(op_id op) override { return exec_ctx{this, nullptr, stream_, op}; }

    status measure_h2d(size_t bytes, int reps, double & gbs) override {
        XEMB_RETURN_IF_ERROR(ready());
        void * host = nullptr;
        storage_ptr dst;
        cudaEvent_t a = nullptr, b = nullptr;
        status st = status_from_cuda(cudaHostAlloc(&host, bytes, cudaHostAllocDefault), "cudaHostAlloc (h2d bandwidth)");
        if (st.ok()) st = allocate(bytes, dst);
        if (st.ok()) st = status_from_cuda(cudaEventCreate(&a), "cudaEventCreate");
        if (st.ok()) st = status_from_cuda(cudaEventCreate(&b), "cudaEventCreate");
        if (st.ok()) {
            std::memset(host, 1, bytes);
            cudaMemcpyAsync(dst->data, host, bytes, cudaMemcpyHostToDevice, stream_);  // warm-up
            cudaEventRecord(a, stream_);
            for (int r = 0; r < reps; ++r) cudaMemcpyAsync(dst->data, host, bytes, cudaMemcpyHostToDevice, stream_);
            cudaEventRecord(b, stream_);
            st = check(cudaEventSynchronize(b), "cudaEventSynchronize (h2d bandwidth)");
            float ms = 0;
            if (st.ok()) st = check(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
            if (st.ok()) gbs = static_cast<double>(bytes) * reps / (ms / 1e3) / 1e9;
        }
        if (a) cudaEventDestroy(a);
        if (b) cudaEventDestroy(b);
        if (host) cudaFreeHost(host);
        cudaGetLastError();
        return st;
    }

    status staging(staging_ring *& out) override {
        XEMB_RETURN_IF_ERROR(ready());
        if (!staging_) {
            auto r = std::make_unique<cuda_staging_ring>(info_.index, stream_);
            XEMB_RETURN_IF_ERROR(check_status(r->init()));
            staging_ = std::move(r);
        }
        out = staging_.get();
        return status::success();
    }

    void note_status(const status & st) override {
        if (st.code != status_code::device_lost) return;
        std::lock_guard<std::mutex> lk(mu_);
        if (lost_.empty()) lost_ = st.message;
    }

    // Async faults reported by a sync mark the device lost when sticky.
    status check(cudaError_t e, const char * what) {
        status st = status_from_cuda(e, what);
        if (st.code == status_code::device_lost) {
            std::lock_guard<std::mutex> lk(mu_);
            if (lost_.empty()) lost_ = st.message;
        }
        return st;
    }

  private:
    void init_stream() {
        cudaSetDevice(info_.index);
        cudaError_t e = cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking);
        if (e != cudaSuccess) init_error_ = status_from_cuda(e, "cudaStreamCreate");
    }
    status ready() {
        XEMB_RETURN_IF_ERROR(health());
        return init_error_;
    }

    device_info info_;
    caching_allocator alloc_;
    cudaStream_t stream_ = nullptr;
    std::unique_ptr<cuda_staging_ring> staging_;
    status init_error_;
    mutable std::mutex mu_;
    std::string lost_;
};

}  // namespace

}  // namespace cuda

void probe_cuda(device_report & report, std::vector<std::unique_ptr<device>> & owned) {
    report.cuda_compiled = true;
    int rt = 0;
    cudaRuntimeGetVersion(&rt);
    report.cuda_runtime = std::to_string(rt / 1000) + "." + std::to_string(rt % 1000 / 10);
    int drv = 0;
    cudaDriverGetVersion(&drv);
    if (drv > 0) report.cuda_driver = std::to_string(drv / 1000) + "." + std::to_string(drv % 1000 / 10);
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError();
        if (e == cudaErrorInsufficientDriver && drv == 0) report.cuda_reason = "CUDA driver not found";
        else if (e == cudaErrorInsufficientDriver) report.cuda_reason = "CUDA driver " + report.cuda_driver + " is older than the runtime " + report.cuda_runtime + " this addon was built with";
        else if (e == cudaErrorNoDevice) report.cuda_reason = "no CUDA device found";
        else report.cuda_reason = std::string("CUDA initialisation failed: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
        return;
    }
    std::string skipped;
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) { cudaGetLastError(); continue; }
        if (prop.major < 8) {  // kernels are built for sm_80 and newer only
            skipped += std::string(skipped.empty() ? "" : "; ") + prop.name + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + " is below sm_80)";
            continue;
        }
        owned.push_back(std::make_unique<cuda::cuda_device>(i, prop));
    }
    report.cuda_available = owned.size() > 1;  // owned[0] is the CPU
    if (!report.cuda_available) report.cuda_reason = skipped.empty() ? "no CUDA device found" : "no supported CUDA device: " + skipped;
}

}  // namespace xemb
