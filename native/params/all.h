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
#include "norm.h"
#include "rope.h"
#include "activation.h"
#include "softmax.h"
// ---- section data: data movement, decoding/sampling (issue 5) ----
#include "embedding.h"
#include "gather.h"
#include "concat.h"
#include "argmax.h"
#include "sample.h"
// ---- section attn: attention (issue 6) ----
#include "attention.h"
