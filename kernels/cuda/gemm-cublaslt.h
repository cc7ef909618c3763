// cuBLASLt for linear, loaded at run time (dlopen of libcublasLt.so.*; no build-time dependency)
// and the choice between it and our own kernels. Real-GPU builds only: the cuda-emu backend
// always runs the own kernels and never includes this header's implementation.
#pragma once
#include <string>

#include "../../native/params/linear.h"
#include "../../native/registry.h"

namespace xemb::cuda {

// XEMB_GEMM=own|cublaslt|auto (default auto), read at every call so that one process (the GPU
// benchmark) can time both paths. An unknown value means auto.
enum class gemm_mode { own, cublaslt, automatic };
gemm_mode gemm_mode_from_env();

// Runs p on cuBLASLt when the library is loaded and accepts the problem: ran = true and the
// status of the enqueue. ran = false (status success) when it cannot (no library, dtypes it is
// not given, no algorithm for these shapes and alignments): the caller runs its own kernel.
// forced (XEMB_GEMM=cublaslt): a missing library or no algorithm is an error naming why, so
// that a benchmark never times our kernel under cuBLASLt's name (dtype mixes cuBLASLt is not
// given still run our kernels).
status cublaslt_linear(const linear_params & p, const exec_ctx & ctx, bool forced, bool & ran);

}  // namespace xemb::cuda
