// The op registry: ids and names expanded from ops.def, and the shape of a backend's kernel
// table. Each backend fills one table (rows in ops.def order, nullptr = not implemented) and
// static_asserts its length, so adding an op without touching every backend fails to compile.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include "status.h"

namespace xemb {

enum class op_id : int {
#define XEMB_OP(name, stem, P) name,
#include "ops.def"
#undef XEMB_OP
};

constexpr int op_count = 0
#define XEMB_OP(name, stem, P) +1
#include "ops.def"
#undef XEMB_OP
    ;

const char * op_name(op_id id);
const char * op_stem(op_id id);
bool op_from_name(std::string_view name, op_id & out);

class device;
class thread_pool;

struct exec_ctx {
    device * dev = nullptr;
    thread_pool * pool = nullptr;  // CPU backend
    void * stream = nullptr;       // CUDA backend: cudaStream_t
    op_id op{};
};

using kernel_fn = status (*)(const void * params, const exec_ctx & ctx);
// ok, or unsupported/invalid with a reason naming what this backend cannot do
using supports_fn = status (*)(op_id op, const void * params);

struct kernel_row {
    op_id op;
    kernel_fn fn;
};

// Primitive agreement probe (kernels/cuda/prim-probe.cu): CUDA and cuda-emu only.
using probe_fn = status (*)(int which, const uint32_t * in, uint32_t * out, const exec_ctx & ctx);

struct kernel_table {
    const char * backend;
    std::array<kernel_row, op_count> rows;
    supports_fn supports;
    probe_fn probe = nullptr;
};

// Adapts a typed kernel `status f(const P &, const exec_ctx &)` to a table row.
template <class P, status (*F)(const P &, const exec_ctx &)>
status erase_kernel(const void * p, const exec_ctx & c) {
    return F(*static_cast<const P *>(p), c);
}

// True when row i of the table holds op i (checked with static_assert in each backend).
template <size_t N>
constexpr bool rows_in_order(const std::array<kernel_row, N> & rows) {
    for (size_t i = 0; i < N; ++i)
        if (static_cast<size_t>(rows[i].op) != i) return false;
    return true;
}

}  // namespace xemb
