// The CUDA kernel table (rows in ops.def order) and what the CUDA backend supports.
#include "ops.cuh"
#include "prim-probe.h"

namespace xemb::cuda {

status attention_supports(const attention_params & p);  // attention.cu
status attention_kv_supports(const attention_kv_params & p);  // attention.cu

namespace {

constexpr std::array<kernel_row, op_count> rows = {{
    {op_id::cast, &erase_kernel<cast_params, cast>},
    {op_id::copy, &erase_kernel<copy_params, copy>},
    {op_id::fill, &erase_kernel<fill_params, fill>},
    {op_id::arange, &erase_kernel<arange_params, arange>},
    {op_id::random_uniform, &erase_kernel<random_params, random>},
    {op_id::random_normal, &erase_kernel<random_params, random>},
    {op_id::add, &erase_kernel<binary_params, binary>},
    {op_id::sub, &erase_kernel<binary_params, binary>},
    {op_id::mul, &erase_kernel<binary_params, binary>},
    {op_id::div, &erase_kernel<binary_params, binary>},
    {op_id::matmul, &erase_kernel<matmul_params, matmul>},
    // ---- section linear: GEMM: linear (issue 5) ----
    {op_id::linear, &erase_kernel<linear_params, linear>},
    // ---- section nn: norms, RoPE, activations, softmax (issue 5) ----
    {op_id::rms_norm, &erase_kernel<norm_params, norm>},
    {op_id::layer_norm, &erase_kernel<norm_params, norm>},
    {op_id::add_rms_norm, &erase_kernel<norm_params, norm>},
    {op_id::rope, &erase_kernel<rope_params, rope>},
    {op_id::rope_cos_sin, &erase_kernel<rope_params, rope>},
    {op_id::vision_rope_cos_sin, &erase_kernel<rope_params, rope>},
    {op_id::silu, &erase_kernel<activation_params, activation>},
    {op_id::gelu, &erase_kernel<activation_params, activation>},
    {op_id::swiglu, &erase_kernel<activation_params, activation>},
    {op_id::softmax, &erase_kernel<softmax_params, softmax>},
    // ---- section data: data movement, decoding/sampling (issue 5) ----
    {op_id::embedding, &erase_kernel<embedding_params, embedding>},
    {op_id::index_select, &erase_kernel<index_params, gather>},
    {op_id::gather, &erase_kernel<index_params, gather>},
    {op_id::scatter_rows, &erase_kernel<index_params, gather>},
    {op_id::concat, &erase_kernel<concat_params, concat>},
    {op_id::argmax, &erase_kernel<argmax_params, argmax>},
    {op_id::sample, &erase_kernel<sample_params, sample>},
    // ---- section attn: attention (issue 6) ----
    {op_id::attention, &erase_kernel<attention_params, attention>},
    {op_id::attention_with_kv_cache, &erase_kernel<attention_kv_params, attention>},
}};
static_assert(rows.size() == op_count, "one CUDA row per op in ops.def");
static_assert(rows_in_order(rows), "CUDA rows must follow ops.def order");

// What the CUDA kernels can launch, checked before anything is enqueued so that a limit is a
// KernelError at the call, never a launch failure later.
status supports(op_id op, const void * params) {
    if (op == op_id::matmul) {
        const auto & p = *static_cast<const matmul_params *>(params);
        const int64_t nbatch = p.out.numel() == 0 ? 0 : p.out.numel() / (p.m * p.n);
        if (nbatch > 65535)
            return make_status(status_code::unsupported, "matmul: the CUDA kernel supports at most 65535 batch entries (grid.z), received " + std::to_string(nbatch));
        if ((p.m + 15) / 16 > 65535)
            return make_status(status_code::unsupported, "matmul: the CUDA kernel supports M <= 1048560 (grid.y), received " + std::to_string(p.m));
    }
    if (op == op_id::linear) {
        // the tensor-core GEMM puts 128-column tiles of N on grid.y; the GEMV and naive kernels
        // and cuBLASLt have no tighter limit
        const auto & p = *static_cast<const linear_params *>(params);
        if ((p.n + 127) / 128 > 65535)
            return make_status(status_code::unsupported, "linear: the CUDA kernels support N <= 8388480 (grid.y), received N = " + std::to_string(p.n));
        if ((p.m + 127) / 128 > 2147483647)
            return make_status(status_code::unsupported, "linear: the CUDA kernels support M < 2^38 (grid.x), received M = " + std::to_string(p.m));
    }
    if (op == op_id::attention) return attention_supports(*static_cast<const attention_params *>(params));
    if (op == op_id::attention_with_kv_cache) return attention_kv_supports(*static_cast<const attention_kv_params *>(params));
    return status::success();
}

}  // namespace

extern const kernel_table table;
const kernel_table table = {"cuda", rows, supports, prim_probe};

}  // namespace xemb::cuda
