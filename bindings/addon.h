// Per-environment state of the addon (worker threads each get their own): the JS error classes
// handed over by src/errors.ts, the NativeTensor constructor, and the completion port that brings
// results from device queue threads back to the JS thread.
#pragma once
#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>

#include "../native/status.h"
#include "../native/transfer.h"

namespace xemb::js {

struct addon_data {
    Napi::FunctionReference kernel_error;    // class KernelError(message, code, op, backend)
    Napi::FunctionReference disposed_error;  // class DisposedError(message)
    Napi::FunctionReference tensor_ctor;     // NativeTensor
    Napi::ThreadSafeFunction completions;    // unref'd while nothing is pending
    int pending = 0;                         // JS thread only
    std::shared_ptr<std::atomic<bool>> closing = std::make_shared<std::atomic<bool>>(false);
};

addon_data & data(Napi::Env env);

// A job to run on the JS thread later; `post` may be called from any thread.
using js_job = std::function<void(Napi::Env)>;
struct completion {
    Napi::ThreadSafeFunction tsfn;
    std::shared_ptr<std::atomic<bool>> closing;
    void post(js_job job) const;
};
// Call on the JS thread before handing a completion to another thread; keeps the loop alive
// until the job has run. Each completion is posted exactly once; post() closes it.
completion begin_completion(Napi::Env env);

// A read_to_host callback that settles `deferred` on the JS thread: an ArrayBuffer that owns the
// bytes, or the status as a KernelError. Call on the JS thread (it opens a completion).
std::function<void(status, host_buffer)> buffer_settler(Napi::Env env, std::shared_ptr<Napi::Promise::Deferred> deferred, std::string backend);

// Errors: KernelError for statuses, TypeError/RangeError for JS-type mistakes.
[[noreturn]] void throw_status(Napi::Env env, const status & st, const char * backend);
Napi::Value status_error(Napi::Env env, const status & st, const char * backend);
[[noreturn]] void throw_disposed(Napi::Env env, const char * what);
[[noreturn]] void throw_type(Napi::Env env, const std::string & msg);

}  // namespace xemb::js
