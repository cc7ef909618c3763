#include "addon.h"

#include "../native/transfer.h"

namespace xemb::js {

Napi::Value status_error(Napi::Env env, const status & st, const char * backend) {
    addon_data & d = data(env);
    std::string msg = st.message;
    if (!st.op.empty() && msg.rfind(st.op + ":", 0) != 0) msg = st.op + ": " + msg;
    if (d.kernel_error.IsEmpty()) return Napi::Error::New(env, msg).Value();
    return d.kernel_error.New({Napi::String::New(env, msg), Napi::String::New(env, status_code_name(st.code)),
                               st.op.empty() ? env.Null() : Napi::String::New(env, st.op).As<Napi::Value>(),
                               Napi::String::New(env, backend ? backend : "")});
}

void throw_status(Napi::Env env, const status & st, const char * backend) {
    throw Napi::Error(env, status_error(env, st, backend));
}

void throw_disposed(Napi::Env env, const char * what) {
    addon_data & d = data(env);
    std::string msg = std::string(what) + ": the tensor was disposed";
    if (d.disposed_error.IsEmpty()) throw Napi::Error::New(env, msg);
    throw Napi::Error(env, d.disposed_error.New({Napi::String::New(env, msg)}));
}

void throw_type(Napi::Env env, const std::string & msg) { throw Napi::TypeError::New(env, msg); }

void completion::post(js_job job) const {
    if (closing->load()) return;  // environment is shutting down: nobody is waiting any more
    auto * heap = new js_job(std::move(job));
    napi_status s = tsfn.NonBlockingCall(heap, [](Napi::Env env, Napi::Function, js_job * j) {
        std::unique_ptr<js_job> owned(j);
        if (!env) return;
        Napi::HandleScope scope(env);
        // the completion opened by begin_completion ends here, before the job settles its promise
        addon_data & d = data(env);
        if (--d.pending == 0) d.completions.Unref(env);
        (*owned)(env);
    });
    if (s != napi_ok) delete heap;
}

completion begin_completion(Napi::Env env) {
    addon_data & d = data(env);
    if (d.pending++ == 0) d.completions.Ref(env);
    return completion{d.completions, d.closing};
}

std::function<void(status, host_buffer)> buffer_settler(Napi::Env env, std::shared_ptr<Napi::Promise::Deferred> deferred, std::string backend) {
    completion c = begin_completion(env);
    return [c, deferred, backend](status st, host_buffer hb) {
        auto buf = std::make_shared<host_buffer>(std::move(hb));
        c.post([deferred, st, buf, backend](Napi::Env env) {
            if (!st.ok()) {
                deferred->Reject(status_error(env, st, backend.c_str()));
                return;
            }
            size_t bytes = buf->bytes;
            char * p = buf->data.release();
            deferred->Resolve(Napi::ArrayBuffer::New(env, p, bytes, [](Napi::Env, void * q) { delete[] static_cast<char *>(q); }));
        });
    };
}

}  // namespace xemb::js
