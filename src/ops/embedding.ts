import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { indexTensor, type Indices } from './gather.js';

/**
 * table[ids] -> [...ids.shape, D] (torch.nn.functional.embedding) for a table [V, D] of any dtype
 * and layout. ids: an i32/i64 Tensor on the table's device (checked when the op runs: a bad id
 * fails the op at the next sync) or host integers (checked now: KernelError at the call).
 */
export function embedding(ids: Indices, table: Tensor): Tensor {
  checkTensor(table, 'table');
  const { t, owned } = indexTensor('embedding', 'ids', ids, table.rank === 2 ? table.shape[0]! : null, table.device);
  try {
    return run1('embedding', [t, table]);
  } finally {
    if (owned) t.dispose();
  }
}
