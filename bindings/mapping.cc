// mapFile(path) -> {mapping, size, address}; mappingTensor(mapping, offset, dtype, shape, device)
// -> NativeTensor. Mapping a file reads nothing (the kernel pages it in on first touch), so it
// is done on the JS thread; copies (misaligned data, other devices) run in queue order.
#include <napi.h>

#include "../native/mapping.h"
#include "addon.h"
#include "convert.h"
#include "tensor-wrap.h"

namespace xemb::js {

namespace {

Napi::Value map_file_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw_type(env, "Expected a path string for mapFile");
    mapping_ptr m;
    status st = map_file(info[0].As<Napi::String>().Utf8Value(), m);
    if (!st.ok()) throw_status(env, st, "cpu");
    Napi::Object o = Napi::Object::New(env);
    o.Set("mapping", Napi::External<mapping_ptr>::New(env, new mapping_ptr(m), [](Napi::Env, mapping_ptr * p) { delete p; }));
    o.Set("size", Napi::Number::New(env, static_cast<double>(m->size)));
    o.Set("address", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->base))));
    return o;
}

Napi::Value mapping_tensor_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!info[0].IsExternal()) throw_type(env, "Expected a mapping from mapFile");
    const mapping_ptr & m = *info[0].As<Napi::External<mapping_ptr>>().Data();
    int64_t offset = int_arg(env, info[1], "offset");
    if (offset < 0) throw Napi::RangeError::New(env, "Expected a non-negative offset for mappingTensor");
    if (!info[2].IsString()) throw_type(env, "Expected a dtype string for mappingTensor");
    dtype type;
    std::string dn = info[2].As<Napi::String>().Utf8Value();
    if (!dtype_from_name(dn, type)) throw_status(env, invalid_arg("mappingTensor: expected dtype one of f32, f16, bf16, i32, i64, u8, bool, received \"" + dn + "\""), "");
    shape_t shape;
    status st = shape_t::make(int_array(env, info[3], "shape"), shape, "mappingTensor");
    device * dev = device_arg(env, info[4], "device");
    tensor t;
    if (st.ok()) st = tensor_from_mapping(m, static_cast<size_t>(offset), type, shape, dev, t);
    if (!st.ok()) throw_status(env, st, dev->info().backend.c_str());
    // a view of the file is not heap memory: only copies are reported to V8
    bool copied = !t.store->data || reinterpret_cast<const unsigned char *>(t.store->data) < m->base ||
                  reinterpret_cast<const unsigned char *>(t.store->data) >= m->base + m->size;
    return NativeTensor::wrap(env, t, copied);
}

}  // namespace

void register_mapping(Napi::Env env, Napi::Object exports) {
    exports.Set("mapFile", Napi::Function::New(env, map_file_js));
    exports.Set("mappingTensor", Napi::Function::New(env, mapping_tensor_js));
}

}  // namespace xemb::js
