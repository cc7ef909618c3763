// Host/device qualifier for the few headers (half, philox) compiled by both g++ and nvcc,
// so CPU and CUDA share one definition of bit-exact arithmetic.
#pragma once
#if defined(__CUDACC__)
#define XEMB_HD __host__ __device__ __forceinline__
#else
#define XEMB_HD inline
#endif
