// Devices: the CPU always, each CUDA device when the backend is compiled in and a driver and GPU
// are present. Every device owns one ordered queue, an allocator and a kernel table.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "queue.h"
#include "registry.h"
#include "tensor.h"

namespace xemb {

struct device_info {
    std::string backend;   // "cpu" | "cuda" | "cuda-emu" (tests only)
    int index = 0;
    std::string name;
    int cc_major = 0, cc_minor = 0;  // CUDA compute capability
    uint64_t total_memory = 0;       // bytes
    int sm_count = 0;                // CUDA multiprocessors
    int cores = 0;                   // CPU threads used by the pool
    std::string isa;                 // CPU kernels' instruction set ("avx512", "avx2", "generic")
};

struct memory_stats {
    uint64_t allocated = 0;      // bytes handed out and not yet freed
    uint64_t peak = 0;           // high-water mark of allocated
    uint64_t reserved = 0;       // bytes held from the system (allocated + cached)
    uint64_t alloc_count = 0;    // allocations served
    uint64_t cache_hits = 0;     // served from the cache without a system call
};

// A point in a device's queue, for benchmarks: CPU records the host clock when the queue thread
// reaches it; CUDA records a cudaEvent on the stream.
struct timing_event {
    double host_ms = 0;
    void * native = nullptr;
    std::function<void(void *)> destroy;
    timing_event() = default;
    timing_event(const timing_event &) = delete;
    timing_event & operator=(const timing_event &) = delete;
    ~timing_event() { if (destroy && native) destroy(native); }
};

// Measured peaks for benchmark reports: streaming bandwidth and arithmetic throughput.
struct device_peaks {
    double read_gbs = 0;   // CPU: streaming read; CUDA: device-to-device copy (read + write bytes)
    double flops_g = 0;    // GFLOP/s: CPU f32 FMA on all threads; CUDA bf16 tensor-core mma
    int threads = 0;       // CPU pool threads / CUDA SMs
    std::string label;     // what flops_g measured
};

// Host buffers that an upload fills with file bytes before the device reads them (native/
// upload.cpp). Slots are reused round-robin across uploads; wait(i) returns once the transfer
// that last read slot i has finished. Queue thread only.
class staging_ring {
  public:
    virtual ~staging_ring() = default;
    virtual int slots() const = 0;
    virtual size_t slot_bytes() const = 0;
    virtual unsigned char * slot(int i) = 0;
    // slot i <- src[0, bytes) (the "read": page faults on a mapped file happen here)
    virtual void fill(int i, const unsigned char * src, size_t bytes);
    virtual status wait(int i) = 0;
    // dst (device memory) <- slot i [0, bytes); may still run after return, until wait(i)
    virtual status send(int i, void * dst, size_t bytes) = 0;
    int next = 0;  // the slot the next chunk uses: consecutive uploads keep the pipeline full
};

class device {
  public:
    virtual ~device() = default;
    virtual const device_info & info() const = 0;
    // "cpu", "cuda:N", "cuda-emu"
    std::string id() const {
        const std::string & b = info().backend;
        return b == "cuda" ? b + ":" + std::to_string(info().index) : b;
    }

    // Allocation happens on the calling thread; reuse is ordered by this device's single queue.
    virtual status allocate(size_t bytes, storage_ptr & out) = 0;
    virtual memory_stats memory() const = 0;
    virtual void release_cache() {}

    // Run on this device's queue thread only.
    virtual status copy_from_host(void * dst, const void * src, size_t bytes) = 0;
    virtual status copy_to_host(void * dst, const void * src, size_t bytes) = 0;  // done on return
    virtual status finish() { return status::success(); }  // wait for launched work (queue thread)
    virtual status health() const { return status::success(); }  // device_lost once sticky-faulted
    virtual void note_status(const status &) {}  // a kernel's failure, so sticky faults are remembered

    // Queue thread only (seconds of work: benchmarks call it once per run).
    virtual status measure_peaks(device_peaks &) { return make_status(status_code::unsupported, "no peak probe for " + id()); }

    // Queue thread only. elapsed waits for b to complete.
    virtual status record_event(timing_event & ev);
    virtual status event_elapsed_ms(timing_event & a, timing_event & b, double & ms);

    virtual const kernel_table & kernels() const = 0;
    virtual exec_ctx context(op_id op) = 0;
    device_queue & queue() { return *queue_; }

    // Queue thread only: the staging buffers of uploads from mapped files, made on first use.
    // The default is plain host memory and synchronous copy_from_host (cuda-emu runs the same
    // pipeline this way); CUDA devices override it with page-locked buffers and async copies.
    virtual status staging(staging_ring *& out);
    // Queue thread only (benchmarks): host-to-device bandwidth of a plain copy of `bytes` from
    // page-locked memory, the ceiling an upload is measured against. Host devices time memcpy.
    virtual status measure_h2d(size_t bytes, int reps, double & gbs);

  protected:
    std::unique_ptr<staging_ring> host_staging_;  // declared first: outlives the queue's drain
    std::unique_ptr<device_queue> queue_;
};

// A device whose memory is ordinary host memory (the CPU, cuda-emu): copies are memcpy.
class host_memory_device : public device {
  public:
    status copy_from_host(void * dst, const void * src, size_t bytes) override;
    status copy_to_host(void * dst, const void * src, size_t bytes) override;
};

// The process-wide device list. CUDA discovery never fails loudly: its reason is reported.
struct device_report {
    std::vector<device *> devices;
    bool cuda_compiled = false;
    bool cuda_available = false;
    std::string cuda_reason;       // why CUDA is unavailable, empty when available
    std::string cuda_runtime;      // runtime version linked in, e.g. "13.0"
    std::string cuda_driver;       // driver's CUDA version, when a driver is present
    bool cuda_emu_compiled = false;  // the test-only cuda-emu backend is in this build
};
const device_report & devices();
device * find_device(const std::string & id);  // "cpu", "cuda", "cuda:N"; nullptr if absent

// Implemented by kernels/cpu and kernels/cuda (the latter a stub when CUDA is not compiled).
std::unique_ptr<device> make_cpu_device();
void probe_cuda(device_report & report, std::vector<std::unique_ptr<device>> & owned);
// Test-only: the CUDA kernels on the host emulator, registered when XEMB_ENABLE_CUDA_EMU=1.
void probe_cuda_emu(device_report & report, std::vector<std::unique_ptr<device>> & owned);

}  // namespace xemb
