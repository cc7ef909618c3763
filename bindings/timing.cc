// Benchmark support: queue-ordered timing events (CUDA events on the stream; host clock on the CPU
// queue thread) and measured device peaks. Both resolve through the completion port.
#include <napi.h>

#include "../native/device.h"
#include "addon.h"
#include "convert.h"

namespace xemb::js {

namespace {

struct event_box {
    device * dev;
    std::shared_ptr<timing_event> ev;
};

// eventRecord(device) -> opaque event, recorded when the device's queue reaches this point
Napi::Value event_record(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "eventRecord");
    auto ev = std::make_shared<timing_event>();
    dev->queue().enqueue("event_record", [dev, ev]() -> status { return dev->record_event(*ev); });
    return Napi::External<event_box>::New(env, new event_box{dev, ev}, [](Napi::Env, event_box * b) { delete b; });
}

// eventElapsed(start, end) -> Promise<number> milliseconds between two events of one device
Napi::Value event_elapsed(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!info[0].IsExternal() || !info[1].IsExternal()) throw_type(env, "eventElapsed: expected two events from eventRecord");
    event_box * a = info[0].As<Napi::External<event_box>>().Data();
    event_box * b = info[1].As<Napi::External<event_box>>().Data();
    if (a->dev != b->dev) throw_status(env, invalid_arg("eventElapsed: expected both events on one device, received " + a->dev->id() + " and " + b->dev->id()), "");
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    completion c = begin_completion(env);
    device * dev = a->dev;
    auto ea = a->ev, eb = b->ev;
    std::string backend = dev->info().backend;
    dev->queue().enqueue_sync([c, deferred, dev, ea, eb, backend](status pending) {
        double ms = 0;
        status st = pending.ok() ? dev->event_elapsed_ms(*ea, *eb, ms) : pending;
        c.post([deferred, st, ms, backend](Napi::Env env) {
            if (st.ok()) deferred->Resolve(Napi::Number::New(env, ms));
            else deferred->Reject(status_error(env, st, backend.c_str()));
        });
    });
    return deferred->Promise();
}

// devicePeaks(device) -> Promise<{readGBs, gflops, threads, label}>, measured on the device's queue
Napi::Value device_peaks_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "devicePeaks");
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    completion c = begin_completion(env);
    std::string backend = dev->info().backend;
    dev->queue().enqueue_sync([c, deferred, dev, backend](status) {
        device_peaks pk;
        status st = dev->measure_peaks(pk);
        c.post([deferred, st, pk, backend](Napi::Env env) {
            if (!st.ok()) {
                deferred->Reject(status_error(env, st, backend.c_str()));
                return;
            }
            Napi::Object o = Napi::Object::New(env);
            o.Set("readGBs", pk.read_gbs);
            o.Set("gflops", pk.flops_g);
            o.Set("threads", pk.threads);
            o.Set("label", pk.label);
            deferred->Resolve(o);
        });
    }, false);
    return deferred->Promise();
}

}  // namespace

void register_timing(Napi::Env env, Napi::Object exports) {
    exports.Set("eventRecord", Napi::Function::New(env, event_record));
    exports.Set("eventElapsed", Napi::Function::New(env, event_elapsed));
    exports.Set("devicePeaks", Napi::Function::New(env, device_peaks_js));
}

}  // namespace xemb::js
