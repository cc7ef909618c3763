// The f32 GEMM pieces (gemm-impl.h) for baseline x86-64 (SSE2, no FMA: multiply then add):
// 4 lanes, 4 x 8 microkernel, kc 256, mc 64.
#define GEMM_NS gemm_generic
#define GEMM_NAME "generic"
#define GEMM_VBYTES 16
#define GEMM_MR 4
#define GEMM_NRV 2
#define GEMM_KC 256
#define GEMM_MC 64
#define GEMM_F16 0
#include "gemm-impl.h"
