// Every params header, for code that dispatches over the whole registry.
#pragma once
#include "arange.h"
#include "binary.h"
#include "cast.h"
#include "copy.h"
#include "fill.h"
#include "matmul.h"
#include "random.h"
// ---- section linear: GEMM: linear (issue 5) ----
#include "linear.h"
// ---- section nn: norms, RoPE, activations, softmax (issue 5) ----
// ---- section data: data movement, decoding/sampling (issue 5) ----
// ---- section attn: attention (issue 6) ----
