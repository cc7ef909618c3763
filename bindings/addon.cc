// Module entry: exports built from the registry and the device list. Everything here copies
// arguments from JS into native structs and hands work to a device queue; nothing computes.
#include <napi.h>

#include "../kernels/cpu/vec.h"
#include "../native/dispatch.h"
#include "../native/guard.h"
#include "../native/transfer.h"
#include "addon.h"
#include "convert.h"
#include "tensor-wrap.h"

namespace xemb::js {

addon_data & data(Napi::Env env) { return *env.GetInstanceData<addon_data>(); }

void register_timing(Napi::Env env, Napi::Object exports);
void register_probe(Napi::Env env, Napi::Object exports);
void register_mapping(Napi::Env env, Napi::Object exports);

namespace {

// init({KernelError, DisposedError}): the error classes are defined in TS (src/errors.ts) and
// instantiated here, so users can rely on instanceof and err.code.
Napi::Value init(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw_type(env, "init: expected {KernelError, DisposedError}");
    Napi::Object o = info[0].As<Napi::Object>();
    if (!o.Get("KernelError").IsFunction() || !o.Get("DisposedError").IsFunction())
        throw_type(env, "init: expected KernelError and DisposedError classes");
    data(env).kernel_error = Napi::Persistent(o.Get("KernelError").As<Napi::Function>());
    data(env).disposed_error = Napi::Persistent(o.Get("DisposedError").As<Napi::Function>());
    return env.Undefined();
}

Napi::Value device_list(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const device_report & r = devices();
    Napi::Array list = Napi::Array::New(env, r.devices.size());
    for (size_t i = 0; i < r.devices.size(); ++i) {
        const device_info & d = r.devices[i]->info();
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", r.devices[i]->id());
        o.Set("backend", d.backend);
        o.Set("index", d.index);
        o.Set("name", d.name);
        if (d.backend == "cuda") {
            o.Set("computeCapability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
            o.Set("totalMemory", static_cast<double>(d.total_memory));
            o.Set("smCount", d.sm_count);
        } else if (d.backend == "cpu") {
            o.Set("threads", d.cores);
            o.Set("isa", d.isa);
            o.Set("bestIsa", cpu::best_isa());
        }
        list.Set(static_cast<uint32_t>(i), o);
    }
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("compiled", r.cuda_compiled);
    cuda.Set("available", r.cuda_available);
    cuda.Set("reason", r.cuda_reason);
    cuda.Set("runtimeVersion", r.cuda_runtime);
    cuda.Set("driverVersion", r.cuda_driver);
    Napi::Object out = Napi::Object::New(env);
    out.Set("devices", list);
    out.Set("cuda", cuda);
    return out;
}

Napi::Value op_list(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Array a = Napi::Array::New(env, op_count);
    for (int i = 0; i < op_count; ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", op_name(static_cast<op_id>(i)));
        o.Set("stem", op_stem(static_cast<op_id>(i)));
        Napi::Array backends = Napi::Array::New(env);
        uint32_t n = 0;
        for (device * d : devices().devices)
            if (d->kernels().rows[i].fn) backends.Set(n++, d->id());
        o.Set("devices", backends);
        a.Set(static_cast<uint32_t>(i), o);
    }
    return a;
}

op_id op_arg(Napi::Env env, Napi::Value v) {
    if (!v.IsString()) throw_type(env, "Expected an op name string");
    op_id id;
    std::string name = v.As<Napi::String>().Utf8Value();
    if (!op_from_name(name, id)) throw_status(env, invalid_arg("unknown op \"" + name + "\""), "");
    return id;
}

void collect_args(Napi::Env env, const Napi::CallbackInfo & info, op_args & args) {
    if (!info[1].IsArray()) throw_type(env, "Expected an array of input tensors");
    Napi::Array ins = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < ins.Length(); ++i) args.inputs.push_back(NativeTensor::unwrap(env, ins.Get(i), "op input")->get(env, "op input"));
    read_attrs(env, info[2], args.attrs);
    if (!info[3].IsUndefined()) args.dev = device_arg(env, info[3], "device");
}

const char * backend_of(const op_args & args) {
    device * d = !args.inputs.empty() ? args.inputs[0].dev() : args.dev;
    return d ? d->info().backend.c_str() : "";
}

// runOp(name, inputs, attrs, device?) -> NativeTensor[]: validates now, runs later in queue order.
Napi::Value run(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    op_id id = op_arg(env, info[0]);
    op_args args;
    collect_args(env, info, args);
    std::vector<tensor> outs;
    status st = run_op(id, args, outs);
    if (!st.ok()) throw_status(env, st, backend_of(args));
    Napi::Array a = Napi::Array::New(env, outs.size());
    for (size_t i = 0; i < outs.size(); ++i) a.Set(static_cast<uint32_t>(i), NativeTensor::wrap(env, outs[i], true));
    return a;
}

// supports(name, inputs, attrs, device?) -> null when runnable, else the KernelError it would throw
Napi::Value supports(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    op_id id = op_arg(env, info[0]);
    op_args args;
    collect_args(env, info, args);
    status st = check_op(id, args);
    return st.ok() ? env.Null() : status_error(env, st, backend_of(args));
}

// fromHost(device, dtype, shape, bytes: Uint8Array) -> NativeTensor (bytes copied before return)
Napi::Value from_host(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "device");
    if (!info[1].IsString()) throw_type(env, "Expected a dtype string");
    dtype type;
    std::string dn = info[1].As<Napi::String>().Utf8Value();
    if (!dtype_from_name(dn, type)) throw_status(env, invalid_arg("tensor: expected dtype one of f32, f16, bf16, i32, i64, u8, bool, received \"" + dn + "\""), "");
    shape_t shape;
    status st = shape_t::make(int_array(env, info[2], "shape"), shape, "tensor");
    if (!st.ok()) throw_status(env, st, dev->info().backend.c_str());
    if (!info[3].IsTypedArray()) throw_type(env, "Expected a typed array of data");
    Napi::TypedArray ta = info[3].As<Napi::TypedArray>();
    const char * src = static_cast<const char *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    tensor t;
    st = tensor_from_host(dev, type, shape, src, ta.ByteLength(), t);
    if (!st.ok()) throw_status(env, st, dev->info().backend.c_str());
    return NativeTensor::wrap(env, t, true);
}

Napi::Value synchronize_dev(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "synchronize");
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    completion c = begin_completion(env);
    std::string backend = dev->info().backend;
    synchronize(dev, [c, deferred, backend](status st) {
        c.post([deferred, st, backend](Napi::Env env) {
            if (st.ok()) deferred->Resolve(env.Undefined());
            else deferred->Reject(status_error(env, st, backend.c_str()));
        });
    });
    return deferred->Promise();
}

Napi::Value memory_stats_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "memoryStats");
    xemb::memory_stats m = dev->memory();
    Napi::Object o = Napi::Object::New(env);
    o.Set("allocated", static_cast<double>(m.allocated));
    o.Set("peak", static_cast<double>(m.peak));
    o.Set("reserved", static_cast<double>(m.reserved));
    o.Set("allocCount", static_cast<double>(m.alloc_count));
    o.Set("cacheHits", static_cast<double>(m.cache_hits));
    return o;
}

Napi::Value release_cache(const Napi::CallbackInfo & info) {
    device_arg(info.Env(), info[0], "releaseCache")->release_cache();
    return info.Env().Undefined();
}

// guardViolations(): drains the guard-band reports (empty unless XEMB_GUARD_BANDS=1).
Napi::Value guard_violations(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::vector<std::string> v = guard_drain();
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), v[i]);
    return a;
}

// debugPoke(tensor, byteOffset, value): writes one byte at data + byteOffset in queue order, only
// inside a guard band and only with guard bands on; lets tests prove the bands catch overruns.
Napi::Value debug_poke(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!guard_enabled()) throw_status(env, make_status(status_code::unsupported, "debugPoke needs XEMB_GUARD_BANDS=1"), "");
    const tensor & t = NativeTensor::unwrap(env, info[0], "tensor")->get(env, "debugPoke");
    int64_t off = int_arg(env, info[1], "byteOffset");
    int64_t lo = -static_cast<int64_t>(guard_bytes), hi = static_cast<int64_t>(t.store->bytes + guard_bytes);
    bool in_band = (off >= lo && off < 0) || (off >= static_cast<int64_t>(t.store->bytes) && off < hi);
    if (!in_band) throw Napi::RangeError::New(env, "debugPoke: byteOffset must fall inside a guard band");
    auto value = std::make_shared<uint8_t>(static_cast<uint8_t>(int_arg(env, info[2], "value")));
    storage_ptr store = t.store;
    device * dev = t.dev();
    dev->queue().enqueue("debug_poke", [dev, store, off, value]() -> status {
        return dev->copy_from_host(static_cast<char *>(store->data) + off, value.get(), 1);
    });
    return env.Undefined();
}

Napi::Value guard_on(const Napi::CallbackInfo & info) { return Napi::Boolean::New(info.Env(), guard_enabled()); }

Napi::Object module_init(Napi::Env env, Napi::Object exports) {
    auto * d = new addon_data();
    env.SetInstanceData<addon_data>(d);
    d->tensor_ctor = Napi::Persistent(NativeTensor::define(env));
    d->completions = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo &) {}), "xembodied-completions", 0, 1);
    d->completions.Unref(env);
    auto closing = d->closing;
    env.AddCleanupHook([closing]() { closing->store(true); });

    exports.Set("init", Napi::Function::New(env, init));
    exports.Set("devices", Napi::Function::New(env, device_list));
    exports.Set("ops", Napi::Function::New(env, op_list));
    exports.Set("runOp", Napi::Function::New(env, run));
    exports.Set("supports", Napi::Function::New(env, supports));
    exports.Set("fromHost", Napi::Function::New(env, from_host));
    exports.Set("synchronize", Napi::Function::New(env, synchronize_dev));
    exports.Set("memoryStats", Napi::Function::New(env, memory_stats_js));
    exports.Set("releaseCache", Napi::Function::New(env, release_cache));
    exports.Set("guardViolations", Napi::Function::New(env, guard_violations));
    exports.Set("debugPoke", Napi::Function::New(env, debug_poke));
    exports.Set("guardEnabled", Napi::Function::New(env, guard_on));
    exports.Set("NativeTensor", d->tensor_ctor.Value());
    register_timing(env, exports);
    register_probe(env, exports);
    register_mapping(env, exports);
    return exports;
}

}  // namespace

}  // namespace xemb::js

static Napi::Object xembodied_init(Napi::Env env, Napi::Object exports) { return xemb::js::module_init(env, exports); }
NODE_API_MODULE(xembodied, xembodied_init)
