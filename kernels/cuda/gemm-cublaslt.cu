// cuBLASLt path of linear: out[M, N] = x[M, K] w[N, K]^T + bias, run by cublasLtMatmul with
// f32 compute (CUBLAS_COMPUTE_32F: f16/bf16 products with f32 accumulation, plain f32 without
// TF32), loaded with dlopen when libcublasLt.so.* is on the machine. The entry points, enums and
// the heuristic-result struct are declared here from the public cuBLASLt API documentation
// (cublasLt.h of CUDA 11-13, where these values are unchanged), so the build needs no cuBLAS.
// Row-major to cuBLASLt's column-major: out^T [N, M] = op_T(w as K x N, ld K) * (x as K x M,
// ld K), so A = w transposed, B = x, C = D = out with ld N, and the bias epilogue adds bias[n]
// along D's rows. Algorithms come from cublasLtMatmulAlgoGetHeuristic once per (device, dtype,
// shape, bias, pointer alignments) and are cached; the workspace comes from the device's caching
// allocator. Not compiled for cuda-emu (the whole file is empty there).
#if !defined(XEMB_CUDA_EMU)
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "../../native/device.h"
#include "gemm-cublaslt.h"

namespace xemb::cuda {

namespace {

using lt_status = int;  // cublasStatus_t; 0 = CUBLAS_STATUS_SUCCESS
using lt_handle = void *;
using lt_desc = void *;
using lt_layout = void *;
using lt_pref = void *;
struct lt_algo {
    uint64_t data[8];
};
struct lt_heuristic {  // cublasLtMatmulHeuristicResult_t
    lt_algo algo;
    size_t workspace_size;
    lt_status state;
    float waves_count;
    int reserved[4];
};
// cudaDataType_t
constexpr int dt_r32f = 0, dt_r16f = 2, dt_r16bf = 14;
// cublasComputeType_t, cublasOperation_t
constexpr int compute_32f = 68, op_n = 0, op_t = 1;
// cublasLtMatmulDescAttributes_t, cublasLtEpilogue_t
constexpr int desc_transa = 3, desc_transb = 4, desc_epilogue = 7, desc_bias_pointer = 8, epilogue_bias = 4;
// cublasLtMatmulPreferenceAttributes_t
constexpr int pref_max_workspace = 1, pref_align_a = 5, pref_align_b = 6, pref_align_c = 7, pref_align_d = 8;
constexpr size_t max_workspace = size_t(32) << 20;

struct lt_api {
    void * lib = nullptr;
    std::string name, error;
    size_t version = 0;
    lt_status (*create)(lt_handle *) = nullptr;
    size_t (*get_version)() = nullptr;
    lt_status (*desc_create)(lt_desc *, int compute, int scale_type) = nullptr;
    lt_status (*desc_set)(lt_desc, int attr, const void * buf, size_t bytes) = nullptr;
    lt_status (*desc_destroy)(lt_desc) = nullptr;
    lt_status (*layout_create)(lt_layout *, int type, uint64_t rows, uint64_t cols, int64_t ld) = nullptr;
    lt_status (*layout_destroy)(lt_layout) = nullptr;
    lt_status (*pref_create)(lt_pref *) = nullptr;
    lt_status (*pref_set)(lt_pref, int attr, const void * buf, size_t bytes) = nullptr;
    lt_status (*pref_destroy)(lt_pref) = nullptr;
    lt_status (*heuristic)(lt_handle, lt_desc, lt_layout, lt_layout, lt_layout, lt_layout, lt_pref, int requested, lt_heuristic * results,
                           int * returned) = nullptr;
    lt_status (*matmul)(lt_handle, lt_desc, const void * alpha, const void * a, lt_layout, const void * b, lt_layout, const void * beta,
                        const void * c, lt_layout, void * d, lt_layout, const lt_algo *, void * workspace, size_t workspace_bytes,
                        cudaStream_t) = nullptr;
};

template <class F>
bool bind(void * lib, const char * sym, F & fn) {
    fn = reinterpret_cast<F>(dlsym(lib, sym));
    return fn != nullptr;
}

lt_api load_api() {
    lt_api a;
    for (const char * n : {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"}) {
        a.lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
        if (a.lib) {
            a.name = n;
            break;
        }
    }
    if (!a.lib) {
        a.error = "libcublasLt.so.{13,12,11} not found by the dynamic loader";
        return a;
    }
    const bool ok = bind(a.lib, "cublasLtCreate", a.create) && bind(a.lib, "cublasLtGetVersion", a.get_version) &&
                    bind(a.lib, "cublasLtMatmulDescCreate", a.desc_create) && bind(a.lib, "cublasLtMatmulDescSetAttribute", a.desc_set) &&
                    bind(a.lib, "cublasLtMatmulDescDestroy", a.desc_destroy) && bind(a.lib, "cublasLtMatrixLayoutCreate", a.layout_create) &&
                    bind(a.lib, "cublasLtMatrixLayoutDestroy", a.layout_destroy) && bind(a.lib, "cublasLtMatmulPreferenceCreate", a.pref_create) &&
                    bind(a.lib, "cublasLtMatmulPreferenceSetAttribute", a.pref_set) &&
                    bind(a.lib, "cublasLtMatmulPreferenceDestroy", a.pref_destroy) &&
                    bind(a.lib, "cublasLtMatmulAlgoGetHeuristic", a.heuristic) && bind(a.lib, "cublasLtMatmul", a.matmul);
    if (!ok) {
        a.error = a.name + " lacks a cuBLASLt entry point we use";
        dlclose(a.lib);
        a.lib = nullptr;
        return a;
    }
    a.version = a.get_version();
    return a;
}

const lt_api & api() {
    static const lt_api a = load_api();  // thread-safe, once per process
    return a;
}

// Destroys a cuBLASLt object at scope exit.
template <class H>
struct owned {
    H h = nullptr;
    lt_status (*destroy)(H) = nullptr;
    ~owned() {
        if (h && destroy) destroy(h);
    }
};

std::mutex mu;
std::map<int, lt_handle> handles;  // per device, for the life of the process

using algo_key = std::tuple<int, int, int64_t, int64_t, int64_t, bool, uint32_t, uint32_t, uint32_t, uint32_t>;
struct algo_entry {
    bool found = false;
    lt_heuristic h{};
};
std::map<algo_key, algo_entry> algos;

uint32_t alignment(const void * p) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    uint32_t al = 256;
    while (al > 1 && (a & (al - 1))) al >>= 1;
    return al;
}

int lt_type(dtype t) {
    switch (t) {
        case dtype::f32: return dt_r32f;
        case dtype::f16: return dt_r16f;
        case dtype::bf16: return dt_r16bf;
        default: return -1;
    }
}

status lt_error(const char * what, lt_status s) { return make_status(status_code::device_error, std::string("linear: ") + what + " failed with cublasStatus " + std::to_string(s)); }

}  // namespace

gemm_mode gemm_mode_from_env() {
    const char * v = std::getenv("XEMB_GEMM");
    if (!v) return gemm_mode::automatic;
    if (std::strcmp(v, "own") == 0) return gemm_mode::own;
    if (std::strcmp(v, "cublaslt") == 0) return gemm_mode::cublaslt;
    return gemm_mode::automatic;
}

status cublaslt_linear(const linear_params & p, const exec_ctx & ctx, bool forced, bool & ran) {
    ran = false;
    const lt_api & a = api();
    if (!a.lib && forced) return make_status(status_code::unsupported, "linear: XEMB_GEMM=cublaslt but cuBLASLt is unavailable: " + a.error);
    if (!a.lib) return status::success();
    const int type = lt_type(p.x.type);
    if (!a.lib || type < 0 || p.w.type != p.x.type || (p.has_bias && p.bias.type != p.x.type) || p.k == 0) return status::success();
    const int dev = ctx.dev->info().index;

    lt_handle handle = nullptr;
    {
        std::lock_guard<std::mutex> lk(mu);
        auto it = handles.find(dev);
        if (it == handles.end()) {
            lt_handle h = nullptr;
            const lt_status s = a.create(&h);
            if (s != 0) return lt_error("cublasLtCreate", s);
            it = handles.emplace(dev, h).first;
        }
        handle = it->second;
    }

    owned<lt_desc> desc{nullptr, a.desc_destroy};
    owned<lt_layout> la{nullptr, a.layout_destroy}, lb{nullptr, a.layout_destroy}, lc{nullptr, a.layout_destroy};
    lt_status s = a.desc_create(&desc.h, compute_32f, dt_r32f);
    if (s != 0) return lt_error("cublasLtMatmulDescCreate", s);
    const int32_t ta = op_t, tb = op_n;
    if ((s = a.desc_set(desc.h, desc_transa, &ta, sizeof ta)) != 0) return lt_error("cublasLtMatmulDescSetAttribute(TRANSA)", s);
    if ((s = a.desc_set(desc.h, desc_transb, &tb, sizeof tb)) != 0) return lt_error("cublasLtMatmulDescSetAttribute(TRANSB)", s);
    if (p.has_bias) {
        const int32_t ep = epilogue_bias;
        const void * bp = p.bias.data();
        if ((s = a.desc_set(desc.h, desc_epilogue, &ep, sizeof ep)) != 0) return lt_error("cublasLtMatmulDescSetAttribute(EPILOGUE)", s);
        if ((s = a.desc_set(desc.h, desc_bias_pointer, &bp, sizeof bp)) != 0) return lt_error("cublasLtMatmulDescSetAttribute(BIAS_POINTER)", s);
    }
    const uint64_t M = static_cast<uint64_t>(p.m), N = static_cast<uint64_t>(p.n), K = static_cast<uint64_t>(p.k);
    if ((s = a.layout_create(&la.h, type, K, N, static_cast<int64_t>(K))) != 0) return lt_error("cublasLtMatrixLayoutCreate(w)", s);
    if ((s = a.layout_create(&lb.h, type, K, M, static_cast<int64_t>(K))) != 0) return lt_error("cublasLtMatrixLayoutCreate(x)", s);
    if ((s = a.layout_create(&lc.h, type, N, M, static_cast<int64_t>(N))) != 0) return lt_error("cublasLtMatrixLayoutCreate(out)", s);

    const void * wp = p.w.data();
    const void * xp = p.x.data();
    void * op = const_cast<void *>(p.out.data());
    const uint32_t al_a = alignment(wp), al_b = alignment(xp), al_c = alignment(op);
    const uint32_t al_bias = p.has_bias ? alignment(p.bias.data()) : 256;
    const algo_key key{dev, type, p.m, p.n, p.k, p.has_bias, al_a, al_b, al_c, al_bias};
    algo_entry entry;
    bool cached = false;
    {
        std::lock_guard<std::mutex> lk(mu);
        auto it = algos.find(key);
        if (it != algos.end()) entry = it->second, cached = true;
    }
    if (!cached) {
        owned<lt_pref> pref{nullptr, a.pref_destroy};
        if ((s = a.pref_create(&pref.h)) != 0) return lt_error("cublasLtMatmulPreferenceCreate", s);
        const uint64_t ws = max_workspace;
        a.pref_set(pref.h, pref_max_workspace, &ws, sizeof ws);
        a.pref_set(pref.h, pref_align_a, &al_a, sizeof al_a);
        a.pref_set(pref.h, pref_align_b, &al_b, sizeof al_b);
        a.pref_set(pref.h, pref_align_c, &al_c, sizeof al_c);
        a.pref_set(pref.h, pref_align_d, &al_c, sizeof al_c);
        int returned = 0;
        s = a.heuristic(handle, desc.h, la.h, lb.h, lc.h, lc.h, pref.h, 1, &entry.h, &returned);
        entry.found = s == 0 && returned > 0 && entry.h.state == 0;
        std::lock_guard<std::mutex> lk(mu);
        algos[key] = entry;
    }
    if (!entry.found && forced)
        return make_status(status_code::unsupported, "linear: XEMB_GEMM=cublaslt but cuBLASLt has no algorithm for M=" + std::to_string(p.m) + ", N=" +
                                                         std::to_string(p.n) + ", K=" + std::to_string(p.k) + " at these alignments");
    if (!entry.found) return status::success();  // no algorithm: our kernel runs instead

    storage_ptr workspace;
    if (entry.h.workspace_size) XEMB_RETURN_IF_ERROR(ctx.dev->allocate(entry.h.workspace_size, workspace));
    const float alpha = 1.0f, beta = 0.0f;
    s = a.matmul(handle, desc.h, &alpha, wp, la.h, xp, lb.h, &beta, op, lc.h, op, lc.h, &entry.h.algo, workspace ? workspace->data : nullptr,
                 entry.h.workspace_size, static_cast<cudaStream_t>(ctx.stream));
    if (s != 0) return lt_error("cublasLtMatmul", s);
    ran = true;
    // the workspace block returns to the cache now; later users are ordered after this matmul on
    // the same stream
    return status::success();
}

}  // namespace xemb::cuda

#endif
