import { type DType } from '../dtype.js';
import { type Tensor } from '../tensor.js';
import { checkDType, checkTensor, run1 } from './common.js';

/**
 * x converted to `dtype` as a new contiguous tensor. Floats to integers truncate toward zero and
 * saturate (NaN -> 0); anything to bool is x != 0; to f16/bf16 rounds to nearest even.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  return run1('cast', [checkTensor(x, 'x')], { dtype: checkDType(dtype) });
}
