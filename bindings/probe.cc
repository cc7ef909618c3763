// primProbe(device, which, seed) -> Promise<ArrayBuffer>: runs one primitive agreement probe
// (kernels/cuda/prim-probe.cu) on a CUDA or cuda-emu device with the input derived from `seed`,
// so the GPU kit can require identical bytes from the hardware and from the emulator.
#include <napi.h>

#include <vector>

#include "../kernels/cuda/prim-probe.h"
#include "../native/dispatch.h"
#include "../native/philox.h"
#include "../native/transfer.h"
#include "addon.h"
#include "convert.h"

namespace xemb::js {

namespace {

Napi::Value prim_probe_js(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    device * dev = device_arg(env, info[0], "primProbe");
    int64_t which = int_arg(env, info[1], "which");
    uint64_t seed = static_cast<uint64_t>(int_arg(env, info[2], "seed"));
    const kernel_table & kt = dev->kernels();
    const char * backend = dev->info().backend.c_str();
    if (!kt.probe) throw_status(env, make_status(status_code::unsupported, "primProbe: the " + dev->info().backend + " backend has no primitive probes"), backend);
    if (which < 0 || which >= cuda::probe_count)
        throw_status(env, invalid_arg("primProbe: expected which in [0, " + std::to_string(cuda::probe_count) + "), received " + std::to_string(which)), backend);

    std::vector<uint32_t> words(cuda::probe_in_words);
    for (int64_t i = 0; i < cuda::probe_in_words; ++i) words[i] = philox_bits(seed, 7, static_cast<uint64_t>(i));
    shape_t in_shape, out_shape;
    in_shape.rank = out_shape.rank = 1;
    in_shape[0] = cuda::probe_in_words;
    out_shape[0] = cuda::probe_out_words;
    tensor tin, tout;
    status st = tensor_from_host(dev, dtype::i32, in_shape, words.data(), words.size() * 4, tin);
    if (st.ok()) {
        std::vector<int32_t> zeros(cuda::probe_out_words, 0);
        st = tensor_from_host(dev, dtype::i32, out_shape, zeros.data(), zeros.size() * 4, tout);
    }
    if (!st.ok()) throw_status(env, st, backend);
    tout.store->producer = cuda::probe_names[which];
    probe_fn fn = kt.probe;
    int w = static_cast<int>(which);
    dev->queue().enqueue(cuda::probe_names[which], [fn, w, tin, tout, dev]() -> status {
        status s = fn(w, static_cast<const uint32_t *>(tin.data()), static_cast<uint32_t *>(tout.data()), dev->context(op_id::copy));
        if (!s.ok()) tout.store->poison = std::make_shared<const status>(s);
        return s;
    });

    auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
    read_to_host(tout, buffer_settler(env, deferred, backend));
    return deferred->Promise();
}

}  // namespace

void register_probe(Napi::Env env, Napi::Object exports) {
    exports.Set("primProbe", Napi::Function::New(env, prim_probe_js));
    Napi::Array names = Napi::Array::New(env, cuda::probe_count);
    for (int i = 0; i < cuda::probe_count; ++i) names.Set(static_cast<uint32_t>(i), cuda::probe_names[i]);
    exports.Set("primProbeNames", names);
}

}  // namespace xemb::js
