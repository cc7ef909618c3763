// The f32 GEMM pieces (gemm-impl.h) for AVX-512: 16 lanes, 12 x 32 microkernel (24 zmm
// accumulators), kc 256 (a 32 KiB B micro-panel in L1), mc 144 (144 KiB A block in L2).
#define GEMM_NS gemm_avx512
#define GEMM_NAME "avx512"
#define GEMM_VBYTES 64
#define GEMM_MR 12
#define GEMM_NRV 2
#define GEMM_KC 256
#define GEMM_MC 144
#define GEMM_F16 512
#include "gemm-impl.h"
