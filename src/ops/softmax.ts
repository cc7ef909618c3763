// Softmax over the last dim (f32 inside; rows with NaN, +inf or only -inf become NaN as PyTorch).
import { type DType } from '../dtype.js';
import { type Tensor } from '../tensor.js';
import { checkDType } from './common.js';
import { runContiguous } from './nn-common.js';

/**
 * torch.softmax(x, -1, dtype=f32) rounded once to `dtype` (default: x's dtype). Views are copied
 * first.
 */
export function softmax(x: Tensor, options: { dtype?: DType } = {}): Tensor {
  const attrs = options.dtype === undefined ? undefined : { dtype: checkDType(options.dtype) };
  return runContiguous('softmax', [[x, 'x']], attrs)[0]!;
}
