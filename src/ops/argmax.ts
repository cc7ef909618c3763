import { invalidParameter } from '../errors.js';
import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { contiguous } from './copy.js';

/**
 * Index of the largest value along `dim` (default -1), as i64 with `dim` removed (torch.argmax).
 * Ties give the first index; NaN counts as larger than everything, so a slice holding NaN gives
 * the index of its first NaN (as PyTorch). f32/f16/bf16.
 */
export function argmax(x: Tensor, dim = -1): Tensor {
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim)) throw invalidParameter('dim', 'an integer', dim);
  const xs = contiguous(checkTensor(x, 'x'));
  try {
    return run1('argmax', [xs], { dim });
  } finally {
    if (xs !== x) xs.dispose();
  }
}
