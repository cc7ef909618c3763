// mapFile(path) / mapFd(fd, label) -> {mapping, size, address}; releaseMapping(mapping);
// mappingTensor(mapping, offset, dtype, shape, device) -> NativeTensor;
// uploadCancel() -> token, cancelUpload(token);
// mappingUpload(mapping, offset, dtype, shape, device, token?, chunkBytes?) -> {tensor, done};
// h2dBandwidth(device, bytes, reps) -> Promise<GB/s> (benchmarks).
// Mapping a file reads nothing (the kernel pages it in on first touch), so it is done on the JS
// thread; copies (misaligned data, other devices) run in queue order, and `done` settles once an
// upload has run.
#include <napi.h>

#include "../native/mapping.h"
#include "../native/upload.h"
#include "addon.h"
#include "convert.h"
#include "tensor-wrap.h"

namespace xemb::js {

namespace {

Napi::Object mapping_object(Napi::Env env, const mapping_ptr & m) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("mapping", Napi::External<mapping_ptr>::New(env, new mapping_ptr(m), [](Napi::Env, mapping_ptr * p) { delete p; }));
    o.Set("size", Napi::Number::New(env, static_cast<double>(m->size)));
    o.Set("address", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->base))));
    return o;
}

Napi::Value map_file_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw_type(env, "Expected a path string for mapFile");
    mapping_ptr m;
    status st = map_file(info[0].As<Napi::String>().Utf8Value(), m);
    if (!st.ok()) throw_status(env, st, "cpu");
    return mapping_object(env, m);
}

Napi::Value map_fd_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    int64_t fd = int_arg(env, info[0], "fd");
    if (fd < 0 || fd > INT32_MAX) throw Napi::RangeError::New(env, "Expected a file descriptor for mapFd");
    if (!info[1].IsString()) throw_type(env, "Expected a label string for mapFd");
    mapping_ptr m;
    status st = map_fd(static_cast<int>(fd), info[1].As<Napi::String>().Utf8Value(), m);
    if (!st.ok()) throw_status(env, st, "cpu");
    return mapping_object(env, m);
}

mapping_ptr & mapping_slot(Napi::Env env, Napi::Value v) {
    if (!v.IsExternal()) throw_type(env, "Expected a mapping from mapFile");
    return *v.As<Napi::External<mapping_ptr>>().Data();
}

const mapping_ptr & live_mapping(Napi::Env env, Napi::Value v) {
    const mapping_ptr & m = mapping_slot(env, v);
    if (!m) {
        addon_data & d = data(env);
        const char * msg = "the file mapping was released";
        if (d.disposed_error.IsEmpty()) throw Napi::Error::New(env, msg);
        throw Napi::Error(env, d.disposed_error.New({Napi::String::New(env, msg)}));
    }
    return m;
}

// Drops this handle's reference now instead of at garbage collection; tensors keep theirs.
Napi::Value release_mapping_js(const Napi::CallbackInfo & info) {
    mapping_slot(info.Env(), info[0]).reset();
    return info.Env().Undefined();
}

struct tensor_args {
    size_t offset;
    dtype type;
    shape_t shape;
    device * dev;
};

tensor_args read_tensor_args(const Napi::CallbackInfo & info, const char * fn) {
    Napi::Env env = info.Env();
    tensor_args a{};
    int64_t offset = int_arg(env, info[1], "offset");
    if (offset < 0) throw Napi::RangeError::New(env, std::string("Expected a non-negative offset for ") + fn);
    a.offset = static_cast<size_t>(offset);
    if (!info[2].IsString()) throw_type(env, std::string("Expected a dtype string for ") + fn);
    std::string dn = info[2].As<Napi::String>().Utf8Value();
    if (!dtype_from_name(dn, a.type))
        throw_status(env, invalid_arg(std::string(fn) + ": expected dtype one of f32, f16, bf16, i32, i64, u8, bool, received \"" + dn + "\""), "");
    a.dev = device_arg(env, info[4], "device");
    status st = shape_t::make(int_array(env, info[3], "shape"), a.shape, fn);
    if (!st.ok()) throw_status(env, st, a.dev->info().backend.c_str());
    return a;
}

Napi::Value mapping_tensor_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const mapping_ptr & m = live_mapping(env, info[0]);
    tensor_args a = read_tensor_args(info, "mappingTensor");
    tensor t;
    status st = tensor_from_mapping(m, a.offset, a.type, a.shape, a.dev, t);
    if (!st.ok()) throw_status(env, st, a.dev->info().backend.c_str());
    // a view of the file is not heap memory: only copies are reported to V8
    bool copied = !t.store->data || reinterpret_cast<const unsigned char *>(t.store->data) < m->base ||
                  reinterpret_cast<const unsigned char *>(t.store->data) >= m->base + m->size;
    return NativeTensor::wrap(env, t, copied);
}

Napi::Value upload_cancel_js(const Napi::CallbackInfo & info) {
    return Napi::External<upload_cancel_ptr>::New(info.Env(), new upload_cancel_ptr(std::make_shared<upload_cancel>()),
                                                  [](Napi::Env, upload_cancel_ptr * p) { delete p; });
}

const upload_cancel_ptr & cancel_arg(Napi::Env env, Napi::Value v) {
    if (!v.IsExternal()) throw_type(env, "Expected a token from uploadCancel");
    return *v.As<Napi::External<upload_cancel_ptr>>().Data();
}

Napi::Value cancel_upload_js(const Napi::CallbackInfo & info) {
    cancel_arg(info.Env(), info[0])->requested.store(true);
    return info.Env().Undefined();
}

Napi::Value mapping_upload_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const mapping_ptr & m = live_mapping(env, info[0]);
    tensor_args a = read_tensor_args(info, "mappingUpload");
    if (a.dev->info().backend == "cpu") throw_status(env, invalid_arg("mappingUpload: expected a device other than the CPU (CPU tensors are views: mappingTensor), received \"cpu\""), "cpu");
    upload_options opt;
    if (!info[5].IsUndefined() && !info[5].IsNull()) opt.cancel = cancel_arg(env, info[5]);
    if (!info[6].IsUndefined()) {
        int64_t chunk = int_arg(env, info[6], "chunkBytes");
        if (chunk < 1) throw Napi::RangeError::New(env, "Expected a positive chunkBytes for mappingUpload");
        opt.chunk_bytes = static_cast<size_t>(chunk);
    }
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    std::string backend = a.dev->info().backend;
    completion c = begin_completion(env);
    opt.done = [c, deferred, backend](status st) {
        c.post([deferred, st, backend](Napi::Env env) {
            if (st.ok()) deferred->Resolve(env.Undefined());
            else deferred->Reject(status_error(env, st, backend.c_str()));
        });
    };
    tensor t;
    status st = upload_from_mapping(m, a.offset, a.type, a.shape, a.dev, opt, t);
    if (!st.ok()) {
        // nothing was enqueued: settle the completion opened above so the loop is not held
        opt.done(status::success());
        throw_status(env, st, backend.c_str());
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("tensor", NativeTensor::wrap(env, t, true));
    o.Set("done", deferred->Promise());
    return o;
}

// h2dBandwidth(device, bytes, reps) -> Promise<GB/s> of a plain pinned host-to-device copy (bench).
Napi::Value h2d_bandwidth_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "device");
    int64_t bytes = int_arg(env, info[1], "bytes");
    int64_t reps = int_arg(env, info[2], "reps");
    if (bytes < 1 || reps < 1 || reps > 1000) throw Napi::RangeError::New(env, "Expected bytes >= 1 and reps in [1, 1000] for h2dBandwidth");
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    completion c = begin_completion(env);
    std::string backend = dev->info().backend;
    dev->queue().enqueue_sync([c, deferred, backend, dev, bytes, reps](status) {
        double gbs = 0;
        status st = dev->measure_h2d(static_cast<size_t>(bytes), static_cast<int>(reps), gbs);
        c.post([deferred, st, backend, gbs](Napi::Env env) {
            if (st.ok()) deferred->Resolve(Napi::Number::New(env, gbs));
            else deferred->Reject(status_error(env, st, backend.c_str()));
        });
    }, false);
    return deferred->Promise();
}

}  // namespace

void register_mapping(Napi::Env env, Napi::Object exports) {
    exports.Set("mapFile", Napi::Function::New(env, map_file_js));
    exports.Set("mapFd", Napi::Function::New(env, map_fd_js));
    exports.Set("releaseMapping", Napi::Function::New(env, release_mapping_js));
    exports.Set("mappingTensor", Napi::Function::New(env, mapping_tensor_js));
    exports.Set("uploadCancel", Napi::Function::New(env, upload_cancel_js));
    exports.Set("cancelUpload", Napi::Function::New(env, cancel_upload_js));
    exports.Set("mappingUpload", Napi::Function::New(env, mapping_upload_js));
    exports.Set("h2dBandwidth", Napi::Function::New(env, h2d_bandwidth_js));
}

}  // namespace xemb::js
