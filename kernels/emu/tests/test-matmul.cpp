// The real kernels/cuda/matmul.cu (16x16 shared-memory tiles, two barriers per k-step) run through
// its own entry point on the emulator, compared bit for bit with the same fmaf chain on the host.
#include <cstring>
#include <memory>
#include <vector>

#include "../../cuda/matmul.cu"
#include "check.h"

using namespace xemb;
using namespace emu_test;

namespace {

tensor host_tensor(void * data, size_t bytes, dtype t, std::vector<int64_t> dims, std::vector<int64_t> strides = {}) {
    tensor r;
    r.store = std::make_shared<storage>();
    r.store->data = data;
    r.store->bytes = bytes;
    r.type = t;
    r.shape.rank = static_cast<int>(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) r.shape[static_cast<int>(i)] = dims[i];
    r.strides = contiguous_strides(r.shape);
    for (size_t i = 0; i < strides.size(); ++i) r.strides[static_cast<int>(i)] = strides[i];
    return r;
}

// a: [batch, M, K] contiguous; b: [K, N] given as the transpose view of a contiguous [N, K]
// (strides {1, K}) when b_transposed, broadcast over the batch.
template <class T>
void run_case(const char * name, int batch, int M, int N, int K, bool b_transposed) {
    std::vector<T> a(static_cast<size_t>(batch) * M * K), b(static_cast<size_t>(K) * N), out(static_cast<size_t>(batch) * M * N);
    auto val = [](int i) { return static_cast<float>((i * 37) % 19 - 9) * 0.125f + static_cast<float>(i % 7) * 0.001f; };
    for (size_t i = 0; i < a.size(); ++i) a[i] = from_f32<T>(val(static_cast<int>(i)));
    for (size_t i = 0; i < b.size(); ++i) b[i] = from_f32<T>(val(static_cast<int>(i) + 1000));
    const dtype dt = std::is_same_v<T, float> ? dtype::f32 : dtype::f16;
    matmul_params p;
    p.a = host_tensor(a.data(), a.size() * sizeof(T), dt, {batch, M, K});
    p.b = b_transposed ? host_tensor(b.data(), b.size() * sizeof(T), dt, {K, N}, {1, K}) : host_tensor(b.data(), b.size() * sizeof(T), dt, {K, N});
    p.out = host_tensor(out.data(), out.size() * sizeof(T), dt, {batch, M, N});
    p.m = M, p.n = N, p.k = K;
    exec_ctx ctx;
    status st = xemb::cuda::matmul(p, ctx);
    std::string bad = st.ok() ? "" : st.message;
    for (int bi = 0; bi < batch && bad.empty(); ++bi)
        for (int m = 0; m < M && bad.empty(); ++m)
            for (int n = 0; n < N && bad.empty(); ++n) {
                float acc = 0.0f;
                for (int k = 0; k < K; ++k) {
                    const T bv = b_transposed ? b[static_cast<size_t>(n) * K + k] : b[static_cast<size_t>(k) * N + n];
                    acc = fmaf(to_f32(a[(static_cast<size_t>(bi) * M + m) * K + k]), to_f32(bv), acc);
                }
                const T want = from_f32<T>(acc), got = out[(static_cast<size_t>(bi) * M + m) * N + n];
                if (std::memcmp(&want, &got, sizeof(T)) != 0)
                    bad = "out[" + std::to_string(bi) + "][" + std::to_string(m) + "][" + std::to_string(n) + "] = " + std::to_string(to_f32(got)) +
                          ", host " + std::to_string(to_f32(want));
            }
    check(bad.empty(), name, bad);
}

}  // namespace

namespace emu_test {
void run_matmul_tests() {
    run_case<float>("kernels/cuda/matmul.cu f32 [2,37,50] x [50,29] (batch broadcast, partial tiles) bit-exact vs host fmaf", 2, 37, 29, 50, false);
    run_case<float>("kernels/cuda/matmul.cu f32 [1,16,16] x [16,16]^T view", 1, 16, 16, 16, true);
    run_case<f16_t>("kernels/cuda/matmul.cu f16 [3,19,33] x [33,17]^T view, rounded once to f16", 3, 19, 17, 33, true);
    // Every kernel so far (these and the basic and warp tests) fits the default 64 KiB stacks
    // with a wide margin; the deepest use is reported on the PASS line.
    const size_t deepest = emu::stack_high_water();
    check(deepest < 16 * 1024, "stack: deepest fiber stack use of the kernels so far is " + std::to_string(deepest) + " bytes (< 16 KiB of 64 KiB)",
          std::to_string(deepest) + " bytes");
}
}  // namespace emu_test
