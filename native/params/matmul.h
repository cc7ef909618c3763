// matmul: out[..., m, n] = sum_k a[..., m, k] * b[..., k, n], batch dims broadcast (torch.matmul
// for rank >= 2). f32 accumulation; f16/bf16 results rounded once. Plain reference-speed kernels:
// the fast GEMM path is the linear op.
#pragma once
#include <string>
#include "../op-args.h"

namespace xemb {

struct matmul_params {
    tensor a;       // [*batch_a, M, K], any strides
    tensor b;       // [*batch_b, K, N], any strides, same dtype as a
    tensor out;     // [*broadcast(batch_a, batch_b), M, N], contiguous
    int64_t m = 0, n = 0, k = 0;

    static status parse(op_id, const op_args & args, matmul_params & p) {
        static const char * const names[] = {"a", "b"};
        XEMB_RETURN_IF_ERROR(expect_inputs("matmul", args, 2));
        XEMB_RETURN_IF_ERROR(expect_same_device("matmul", args, names));
        p.a = args.inputs[0];
        p.b = args.inputs[1];
        if (p.a.rank() < 2 || p.b.rank() < 2)
            return invalid_arg("matmul: expected a and b of rank >= 2, received a " + p.a.shape.str() + " and b " + p.b.shape.str());
        if (!dtype_is_float(p.a.type))
            return invalid_arg(std::string("matmul: expected a with dtype one of f32, f16, bf16, received ") + dtype_name(p.a.type));
        if (p.a.type != p.b.type)
            return invalid_arg(std::string("matmul: expected b with the dtype of a (") + dtype_name(p.a.type) + "), received " + dtype_name(p.b.type));
        p.m = p.a.shape[p.a.rank() - 2];
        p.k = p.a.shape[p.a.rank() - 1];
        p.n = p.b.shape[p.b.rank() - 1];
        if (p.b.shape[p.b.rank() - 2] != p.k)
            return invalid_arg("matmul: expected b of shape [..., " + std::to_string(p.k) + ", N] to match a " + p.a.shape.str() + ", received " + p.b.shape.str());
        shape_t ba = p.a.shape, bb = p.b.shape, batch;
        ba.rank -= 2;
        bb.rank -= 2;
        status st = broadcast_shapes(ba, bb, batch, "batch dims of a", "batch dims of b");
        if (!st.ok()) return invalid_arg("matmul: " + st.message);
        if (batch.rank + 2 > max_rank) return invalid_arg("matmul: expected output rank <= 8");
        p.out.shape = batch;
        p.out.shape.rank = batch.rank + 2;
        p.out.shape[batch.rank] = p.m;
        p.out.shape[batch.rank + 1] = p.n;
        p.out.type = p.a.type;
        return status::success();
    }
    std::vector<tensor *> outputs() { return {&out}; }
    std::vector<const tensor *> inputs() const { return {&a, &b}; }
};

}  // namespace xemb
