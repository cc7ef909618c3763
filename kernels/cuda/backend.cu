// The CUDA kernel table (rows in ops.def order) and what the CUDA backend supports.
#include "ops.cuh"

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
}};
static_assert(rows.size() == op_count, "one CUDA row per op in ops.def");
static_assert(rows_in_order(rows), "CUDA rows must follow ops.def order");

// The first ops accept everything params validation accepts; later ops (head dims, tile
// shapes) answer here.
status supports(op_id, const void *) { return status::success(); }

}  // namespace

extern const kernel_table table;
const kernel_table table = {"cuda", rows, supports};

}  // namespace xemb::cuda
