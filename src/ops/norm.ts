// Norms over the last dim with HF numerics (see native/params/norm.h for the rounding points).
import { type Tensor } from '../tensor.js';
import { checkNumber } from './common.js';
import { runContiguous } from './nn-common.js';

/**
 * RMSNorm as HF Qwen2RMSNorm: `weight * cast_T(x * rsqrt(mean(x², -1) + eps))`, statistics in
 * f32, the normalised row rounded to x's dtype T before the weight product. The output dtype
 * follows torch promotion of weight and T (T when equal, else f32). Views are copied first.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return runContiguous('rms_norm', [[x, 'x'], [weight, 'weight']], { eps: checkNumber(eps, 'eps') })[0]!;
}

/**
 * LayerNorm over the last dim (torch.nn.functional.layer_norm with normalized_shape [D]):
 * `(x - mean) / sqrt(var + eps) * weight (+ bias)` in f32, one rounding to x's dtype.
 */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor | undefined, eps: number): Tensor {
  const inputs: [unknown, string][] = [[x, 'x'], [weight, 'weight']];
  if (bias !== undefined) inputs.push([bias, 'bias']);
  return runContiguous('layer_norm', inputs, { eps: checkNumber(eps, 'eps') })[0]!;
}

/**
 * Residual add fused with RMSNorm, with HF's rounding points: `residual' = cast_T(x + residual)`
 * then `out = rmsNorm(residual', weight, eps)`. Returns both (out first), like vLLM's
 * fused_add_rms_norm but bit-compatible with HF's two separate ops.
 */
export function addRmsNorm(x: Tensor, residual: Tensor, weight: Tensor, eps: number): { out: Tensor; residual: Tensor } {
  const [out, res] = runContiguous('add_rms_norm', [[x, 'x'], [residual, 'residual'], [weight, 'weight']], { eps: checkNumber(eps, 'eps') });
  return { out: out!, residual: res! };
}
