// The f32 GEMM pieces (gemm-impl.h) for AVX-512: 16 lanes, 12 x 32 microkernel (24 zmm
// accumulators), kc 256 (a 32 KiB B micro-panel in L1), mc 264 (a 264 KiB A block in L2: a
// 256-token prefill is one block, so every B panel streams from memory once; measured +5-10%).
#define GEMM_NS gemm_avx512
#define GEMM_NAME "avx512"
#define GEMM_VBYTES 64
#define GEMM_MR 12
#define GEMM_NRV 2
#define GEMM_KC 256
#define GEMM_MC 264
#define GEMM_F16 512
#include "gemm-impl.h"
