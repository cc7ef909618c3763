// CUDA kernel entry points, one per registry op (named exactly as the op).
#pragma once
#include "../../native/params/all.h"
#include "../../native/registry.h"

namespace xemb::cuda {

status cast(const cast_params & p, const exec_ctx & ctx);
status copy(const copy_params & p, const exec_ctx & ctx);
status fill(const fill_params & p, const exec_ctx & ctx);
status arange(const arange_params & p, const exec_ctx & ctx);
status random(const random_params & p, const exec_ctx & ctx);
status binary(const binary_params & p, const exec_ctx & ctx);
status matmul(const matmul_params & p, const exec_ctx & ctx);

}  // namespace xemb::cuda
