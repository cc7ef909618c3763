// Shared plumbing of the nn ops (norm, rope, activation, softmax): their kernels read contiguous
// inputs, so views are copied first (and the copies disposed once the op is enqueued: the queued
// op keeps their storage alive).
import { binding, type Attr } from '../binding.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './common.js';
import { contiguous } from './copy.js';

/** Runs `op` on contiguous versions of `inputs` (named for TypeErrors) and wraps every output. */
export function runContiguous(op: string, inputs: [unknown, string][], attrs?: Record<string, Attr>): Tensor[] {
  const given = inputs.map(([t, name]) => checkTensor(t, name));
  const dense: Tensor[] = [];
  try {
    for (const t of given) dense.push(contiguous(t));
    return binding.runOp(op, dense.map((t) => t.handle), attrs).map((h) => new Tensor(h));
  } finally {
    dense.forEach((t, i) => {
      if (t !== given[i]) t.dispose();
    });
  }
}
