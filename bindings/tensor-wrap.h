// NativeTensor: the JS handle of a native tensor. Owns one reference to the storage until
// dispose() or garbage collection; views made from it hold their own references.
#pragma once
#include <napi.h>

#include "../native/tensor.h"

namespace xemb::js {

class NativeTensor : public Napi::ObjectWrap<NativeTensor> {
  public:
    static Napi::Function define(Napi::Env env);
    static Napi::Object wrap(Napi::Env env, tensor t, bool owns_storage);
    static NativeTensor * unwrap(Napi::Env env, Napi::Value v, const char * what);

    explicit NativeTensor(const Napi::CallbackInfo & info);
    ~NativeTensor() override;

    const tensor & get(Napi::Env env, const char * what) const;

  private:
    Napi::Value dtype_(const Napi::CallbackInfo & info);
    Napi::Value shape_(const Napi::CallbackInfo & info);
    Napi::Value strides_(const Napi::CallbackInfo & info);
    Napi::Value offset_(const Napi::CallbackInfo & info);
    Napi::Value device_(const Napi::CallbackInfo & info);
    Napi::Value contiguous_(const Napi::CallbackInfo & info);
    Napi::Value disposed_(const Napi::CallbackInfo & info);
    Napi::Value storage_(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);
    Napi::Value slice(const Napi::CallbackInfo & info);
    Napi::Value permute(const Napi::CallbackInfo & info);
    Napi::Value reshape(const Napi::CallbackInfo & info);
    Napi::Value expand(const Napi::CallbackInfo & info);
    Napi::Value transpose(const Napi::CallbackInfo & info);
    Napi::Value read(const Napi::CallbackInfo & info);
    Napi::Value to(const Napi::CallbackInfo & info);

    void release(Napi::Env env);

    tensor t_;
    bool disposed_flag_ = false;
    int64_t accounted_ = 0;  // bytes reported to V8 as external memory
};

}  // namespace xemb::js
