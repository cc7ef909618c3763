import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';

/** A contiguous copy of x (same dtype and device); x may be any view. */
export function copy(x: Tensor): Tensor {
  return run1('copy', [checkTensor(x, 'x')]);
}

/** x itself when contiguous, else a contiguous copy (the caller disposes it when it differs). */
export function contiguous(x: Tensor): Tensor {
  return checkTensor(x, 'x').isContiguous ? x : copy(x);
}
