// Elementwise arithmetic with NumPy broadcasting. Both inputs share one dtype and device; a
// number operand becomes a scalar of the tensor's dtype.
import { KernelError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkTensor, create1, run1 } from './common.js';

type Operand = Tensor | number;

function binary(op: 'add' | 'sub' | 'mul' | 'div', a: Operand, b: Operand): Tensor {
  // the common case first: a forward pass makes thousands of these calls
  if (a instanceof Tensor && b instanceof Tensor) return run1(op, [a, b]);
  return withScalar(op, a, b);
}

function withScalar(op: 'add' | 'sub' | 'mul' | 'div', a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new TypeError(`Expected at least one Tensor for ${op} but received two numbers`);
  const ta = typeof a === 'number' ? null : checkTensor(a, 'a');
  const tb = typeof b === 'number' ? null : checkTensor(b, 'b');
  const like = (ta ?? tb)!;
  const scalar = (v: number, name: string) => {
    try {
      return create1('fill', like.device, { shape: [], value: v, dtype: like.dtype });
    } catch (e) {
      // report it as the arithmetic op's argument, not as the internal fill
      if (!(e instanceof KernelError)) throw e;
      throw new KernelError(e.message.replace(/^fill: expected value/, `${op}: expected ${name}`), e.code, op, e.backend);
    }
  };
  const x = ta ?? scalar(a as number, 'a');
  const y = tb ?? scalar(b as number, 'b');
  try {
    return run1(op, [x, y]);
  } finally {
    if (x !== ta) x.dispose();
    if (y !== tb) y.dispose();
  }
}

/** a + b */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b);
}
/** a - b */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b);
}
/** a * b */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b);
}
/** a / b (float dtypes only) */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b);
}
