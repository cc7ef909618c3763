// The CUDA kernel table (rows in ops.def order) and what the CUDA backend supports.
#include "ops.cuh"
#include "prim-probe.h"

namespace xemb::cuda {

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
    // ---- section data: data movement, decoding/sampling (issue 5) ----
    // ---- section attn: attention (issue 6) ----
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
    return status::success();
}

}  // namespace

extern const kernel_table table;
const kernel_table table = {"cuda", rows, supports, prim_probe};

}  // namespace xemb::cuda
