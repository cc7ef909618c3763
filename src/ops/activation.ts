// Elementwise activations with PyTorch's rounding: f32 inside, one rounding per PyTorch op
// (native/params/activation.h). Views are copied first.
import { invalidParameter } from '../errors.js';
import { type Tensor } from '../tensor.js';
import { runContiguous } from './nn-common.js';

/** x * sigmoid(x) (torch.nn.functional.silu). */
export function silu(x: Tensor): Tensor {
  return runContiguous('silu', [[x, 'x']])[0]!;
}

/** GELU: exact (erf, the default) or the tanh approximation (torch's approximate='tanh'). */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw invalidParameter('approximate', '"none" or "tanh"', approximate);
  return runContiguous('gelu', [[x, 'x']], { approximate })[0]!;
}

/**
 * SwiGLU `silu(gate) * up` with HF's two roundings (silu(gate) rounded to the dtype, then the
 * product). `swiglu(gate, up)` takes two [..., I] tensors; `swiglu(x)` one [..., 2I] tensor
 * holding gate then up along the last dim (a fused gate_up projection).
 */
export function swiglu(gateOrX: Tensor, up?: Tensor): Tensor {
  if (up === undefined) return runContiguous('swiglu', [[gateOrX, 'x']])[0]!;
  return runContiguous('swiglu', [[gateOrX, 'gate'], [up, 'up']])[0]!;
}
