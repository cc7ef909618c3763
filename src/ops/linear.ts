import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { contiguous } from './copy.js';

/**
 * x [..., K] · wᵀ + bias -> [..., N] (torch.nn.functional.linear) with w stored [N, K] as in
 * checkpoints. x, w and bias may have different float dtypes; f32 accumulation, result in x's
 * dtype. A non-contiguous x is copied first; w and bias must be contiguous.
 */
export function linear(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  const xs = contiguous(checkTensor(x, 'x'));
  const inputs = [xs, checkTensor(w, 'w')];
  if (bias !== undefined) inputs.push(checkTensor(bias, 'bias'));
  const out = run1('linear', inputs);
  if (xs !== x) xs.dispose();
  return out;
}
