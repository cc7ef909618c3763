import { invalidParameter } from '../errors.js';
import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { contiguous } from './copy.js';

/**
 * torch.cat: the tensors joined along `dim` (default 0), in order. One dtype, one device, equal
 * sizes except in `dim`; views are copied first.
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) throw invalidParameter('tensors', 'an array of Tensors', tensors);
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim)) throw invalidParameter('dim', 'an integer', dim);
  const inputs = tensors.map((t, i) => contiguous(checkTensor(t, `tensors[${i}]`)));
  try {
    return run1('concat', inputs, { dim });
  } finally {
    inputs.forEach((t, i) => {
      if (t !== tensors[i]) t.dispose();
    });
  }
}
