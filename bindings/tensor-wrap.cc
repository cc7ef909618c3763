#include "tensor-wrap.h"

#include "../native/transfer.h"
#include "addon.h"
#include "convert.h"

namespace xemb::js {

Napi::Function NativeTensor::define(Napi::Env env) {
    return DefineClass(env, "NativeTensor",
                       {
                           InstanceAccessor<&NativeTensor::dtype_>("dtype"),
                           InstanceAccessor<&NativeTensor::shape_>("shape"),
                           InstanceAccessor<&NativeTensor::strides_>("strides"),
                           InstanceAccessor<&NativeTensor::offset_>("offset"),
                           InstanceAccessor<&NativeTensor::device_>("device"),
                           InstanceAccessor<&NativeTensor::contiguous_>("isContiguous"),
                           InstanceAccessor<&NativeTensor::disposed_>("isDisposed"),
                           InstanceAccessor<&NativeTensor::storage_>("storage"),
                           InstanceMethod<&NativeTensor::dispose>("dispose"),
                           InstanceMethod<&NativeTensor::slice>("slice"),
                           InstanceMethod<&NativeTensor::permute>("permute"),
                           InstanceMethod<&NativeTensor::reshape>("reshape"),
                           InstanceMethod<&NativeTensor::expand>("expand"),
                           InstanceMethod<&NativeTensor::transpose>("transpose"),
                           InstanceMethod<&NativeTensor::read>("read"),
                           InstanceMethod<&NativeTensor::to>("to"),
                       });
}

NativeTensor::NativeTensor(const Napi::CallbackInfo & info) : Napi::ObjectWrap<NativeTensor>(info) {
    // Instances are only made by wrap(); a plain `new NativeTensor()` from JS is an empty,
    // already-disposed handle.
    disposed_flag_ = true;
}

NativeTensor::~NativeTensor() {
    if (accounted_) Napi::MemoryManagement::AdjustExternalMemory(Env(), -accounted_);
}

Napi::Object NativeTensor::wrap(Napi::Env env, tensor t, bool owns_storage) {
    Napi::Object o = data(env).tensor_ctor.New({});
    NativeTensor * w = Unwrap(o);
    w->t_ = std::move(t);
    w->disposed_flag_ = false;
    if (owns_storage && w->t_.store && w->t_.store->bytes) {
        w->accounted_ = static_cast<int64_t>(w->t_.store->bytes);
        Napi::MemoryManagement::AdjustExternalMemory(env, w->accounted_);
    }
    return o;
}

NativeTensor * NativeTensor::unwrap(Napi::Env env, Napi::Value v, const char * what) {
    if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(data(env).tensor_ctor.Value()))
        throw_type(env, std::string("Expected a Tensor for ") + what);
    return Unwrap(v.As<Napi::Object>());
}

const tensor & NativeTensor::get(Napi::Env env, const char * what) const {
    if (disposed_flag_) throw_disposed(env, what);
    return t_;
}

void NativeTensor::release(Napi::Env env) {
    if (disposed_flag_) return;
    disposed_flag_ = true;
    t_ = tensor{};  // drops this handle's storage reference; queued work keeps its own
    if (accounted_) {
        Napi::MemoryManagement::AdjustExternalMemory(env, -accounted_);
        accounted_ = 0;
    }
}

Napi::Value NativeTensor::dtype_(const Napi::CallbackInfo & info) {
    return Napi::String::New(info.Env(), dtype_name(get(info.Env(), "dtype").type));
}
Napi::Value NativeTensor::shape_(const Napi::CallbackInfo & info) { return int_list(info.Env(), get(info.Env(), "shape").shape); }
Napi::Value NativeTensor::strides_(const Napi::CallbackInfo & info) { return int_list(info.Env(), get(info.Env(), "strides").strides); }
Napi::Value NativeTensor::offset_(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), static_cast<double>(get(info.Env(), "offset").offset));
}
Napi::Value NativeTensor::device_(const Napi::CallbackInfo & info) {
    return Napi::String::New(info.Env(), get(info.Env(), "device").dev()->id());
}
Napi::Value NativeTensor::contiguous_(const Napi::CallbackInfo & info) {
    return Napi::Boolean::New(info.Env(), get(info.Env(), "isContiguous").is_contiguous());
}
Napi::Value NativeTensor::disposed_(const Napi::CallbackInfo & info) { return Napi::Boolean::New(info.Env(), disposed_flag_); }

// Identity of the underlying storage and this view's byte range in it, so tests can prove that
// views share memory: [storage address, byte offset, storage bytes].
Napi::Value NativeTensor::storage_(const Napi::CallbackInfo & info) {
    const tensor & t = get(info.Env(), "storage");
    Napi::Array a = Napi::Array::New(info.Env(), 3);
    a.Set(0u, Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(t.store->data))));
    a.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(t.offset * static_cast<int64_t>(dtype_size(t.type)))));
    a.Set(2u, Napi::Number::New(info.Env(), static_cast<double>(t.store->bytes)));
    return a;
}

Napi::Value NativeTensor::dispose(const Napi::CallbackInfo & info) {
    release(info.Env());
    return info.Env().Undefined();
}

// Runs a view function; a failed status becomes a KernelError for op `op`.
template <class F>
static Napi::Value make_view(Napi::Env env, const tensor & t, const char * op, F && f) {
    tensor out;
    status st = f(out);
    if (!st.ok()) {
        st.op = op;
        throw_status(env, st, t.dev()->info().backend.c_str());
    }
    return NativeTensor::wrap(env, out, false);
}

Napi::Value NativeTensor::slice(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "slice");
    int64_t dim = int_arg(env, info[0], "dim"), start = int_arg(env, info[1], "start"), end = int_arg(env, info[2], "end");
    int64_t step = info[3].IsUndefined() ? 1 : int_arg(env, info[3], "step");
    return make_view(env, t, "slice", [&](tensor & out) { return view_slice(t, dim, start, end, step, out); });
}

Napi::Value NativeTensor::permute(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "permute");
    return make_view(env, t, "permute", [&](tensor & out) { return view_permute(t, int_array(env, info[0], "order"), out); });
}

Napi::Value NativeTensor::reshape(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "reshape");
    return make_view(env, t, "reshape", [&](tensor & out) { return view_reshape(t, int_array(env, info[0], "shape"), out); });
}

Napi::Value NativeTensor::expand(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "expand");
    return make_view(env, t, "expand", [&](tensor & out) { return view_expand(t, int_array(env, info[0], "shape"), out); });
}

Napi::Value NativeTensor::transpose(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "transpose");
    return make_view(env, t, "transpose", [&](tensor & out) { return view_transpose(t, int_arg(env, info[0], "dim0"), int_arg(env, info[1], "dim1"), out); });
}

// read(): Promise<ArrayBuffer> with the elements in row-major order, resolved once every op
// enqueued before it on the tensor's device has run.
Napi::Value NativeTensor::read(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "toArray");
    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    read_to_host(t, buffer_settler(env, deferred, t.dev()->info().backend));
    return deferred->Promise();
}

Napi::Value NativeTensor::to(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const tensor & t = get(env, "to");
    device * dst = device_arg(env, info[0], "to");
    tensor out;
    status st = to_device(t, dst, out);
    if (!st.ok()) { st.op = "to"; throw_status(env, st, dst->info().backend.c_str()); }
    return wrap(env, out, out.store != t.store);
}

}  // namespace xemb::js
