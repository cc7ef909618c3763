#include "device.h"

#include <chrono>
#include <cstring>
#include <mutex>

namespace xemb {

namespace {
struct device_registry {
    device_report report;
    std::vector<std::unique_ptr<device>> owned;
};

device_registry & registry_instance() {
    // intentionally leaked: queues may still be draining while static destructors run at exit
    static device_registry * r = [] {
        auto * reg = new device_registry();
        reg->owned.push_back(make_cpu_device());
        probe_cuda(reg->report, reg->owned);
        probe_cuda_emu(reg->report, reg->owned);
        for (auto & d : reg->owned) reg->report.devices.push_back(d.get());
        return reg;
    }();
    return *r;
}
}  // namespace

status device::record_event(timing_event & ev) {
    ev.host_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return status::success();
}

status device::event_elapsed_ms(timing_event & a, timing_event & b, double & ms) {
    ms = b.host_ms - a.host_ms;
    return status::success();
}

status host_memory_device::copy_from_host(void * dst, const void * src, size_t bytes) {
    std::memcpy(dst, src, bytes);
    return status::success();
}

status host_memory_device::copy_to_host(void * dst, const void * src, size_t bytes) {
    std::memcpy(dst, src, bytes);
    return status::success();
}

const device_report & devices() { return registry_instance().report; }

device * find_device(const std::string & id) {
    for (device * d : devices().devices) {
        if (d->id() == id) return d;
        if (id == "cuda-emu:0" && d->info().backend == "cuda-emu") return d;
        if (id == "cuda" && d->info().backend == "cuda" && d->info().index == 0) return d;
    }
    return nullptr;
}

}  // namespace xemb
