// The f32 GEMM pieces (gemm-impl.h) for AVX2+FMA: 8 lanes, 6 x 16 microkernel (12 ymm
// accumulators), kc 256 (16 KiB B micro-panel), mc 96.
#define GEMM_NS gemm_avx2
#define GEMM_NAME "avx2"
#define GEMM_VBYTES 32
#define GEMM_MR 6
#define GEMM_NRV 2
#define GEMM_KC 256
#define GEMM_MC 96
#define GEMM_F16 256
#include "gemm-impl.h"
