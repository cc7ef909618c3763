// The CPU kernel table (rows in ops.def order) and what the CPU backend supports.
#include "ops.h"

namespace xemb::cpu {

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
static_assert(rows.size() == op_count, "one CPU row per op in ops.def");
static_assert(rows_in_order(rows), "CPU rows must follow ops.def order");

// Every dtype/shape combination that params validation lets through runs on the CPU.
status supports(op_id, const void *) { return status::success(); }

}  // namespace

extern const kernel_table table;
const kernel_table table = {"cpu", rows, supports};

}  // namespace xemb::cpu
