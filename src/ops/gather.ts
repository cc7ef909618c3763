// indexSelect, gather and scatterRows (registry: index_select, gather, scatter_rows), plus the
// index handling they share with embedding: indices given as a Tensor are checked when the op
// runs (a bad one fails the op at the next sync: toArray(), synchronize()); indices given as a
// host array are checked here, so a bad one throws KernelError at the call.
import { KernelError, invalidParameter } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { contiguous } from './copy.js';

/** Indices: an i32/i64 Tensor (on the data's device), or host values (numbers or a BigInt64Array). */
export type Indices = Tensor | readonly number[] | Int32Array | BigInt64Array;

function backendOf(device: string): string {
  return device.startsWith('cuda-emu') ? 'cuda-emu' : device.startsWith('cuda') ? 'cuda' : 'cpu';
}

/**
 * The index tensor an op receives, and whether the caller must dispose it: host arrays are
 * range-checked against [0, size) and uploaded to `device`; tensors are made contiguous. size
 * null: the other arguments are invalid, so the op's own validation reports them first.
 */
export function indexTensor(op: string, name: string, index: unknown, size: number | null, device: string): { t: Tensor; owned: boolean } {
  if (index instanceof Tensor) {
    const t = contiguous(index);
    return { t, owned: t !== index };
  }
  if (index instanceof BigInt64Array) {
    for (let i = 0; i < index.length; i++) {
      const v = index[i]!;
      if (size !== null && (v < 0n || v >= BigInt(size))) throw rangeError(op, name, i, String(v), size, device);
    }
    return { t: Tensor.from(index, { dtype: 'i64', device: device as never }), owned: true };
  }
  if (!(index instanceof Int32Array) && !Array.isArray(index)) throw invalidParameter(name, 'a Tensor, an array of integers, an Int32Array or a BigInt64Array', index);
  const values = index as ArrayLike<unknown>;
  let wide = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidParameter(`${name}[${i}]`, 'a safe integer', v);
    if (size !== null && (v < 0 || v >= size)) throw rangeError(op, name, i, String(v), size, device);
    if (v > 2147483647) wide = true;
  }
  const t = wide
    ? Tensor.from(BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)), { dtype: 'i64', device: device as never })
    : Tensor.from(Int32Array.from(values as ArrayLike<number>), { dtype: 'i32', device: device as never });
  return { t, owned: true };
}

function rangeError(op: string, name: string, pos: number, value: string, size: number | null, device: string): KernelError {
  return new KernelError(`${op}: expected ${name} values in [0, ${size}), received ${value} at ${name}[${pos}] (flat position)`, 'INVALID_ARGUMENT', op, backendOf(device));
}

function checkDim(dim: unknown, name = 'dim'): number {
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim)) throw invalidParameter(name, 'an integer', dim);
  return dim;
}

function dimSize(x: Tensor, dim: number): number | null {
  const d = dim < 0 ? dim + x.rank : dim;
  return d >= 0 && d < x.rank ? x.shape[d]! : null;
}

/** Runs op on [x, index, ...rest] with x (and rest) made contiguous, disposing the temporaries. */
function withTemps(op: string, inputs: Tensor[], owned: boolean[], attrs?: Record<string, number>): Tensor {
  try {
    return run1(op, inputs, attrs);
  } finally {
    inputs.forEach((t, i) => {
      if (owned[i]) t.dispose();
    });
  }
}

/**
 * x with `dim` replaced by the entries `index` names (torch.index_select): out.shape[dim] =
 * index.length. Indices in [0, x.shape[dim]); any dtype.
 */
export function indexSelect(x: Tensor, dim: number, index: Indices): Tensor {
  checkTensor(x, 'x');
  const d = checkDim(dim);
  const { t, owned } = indexTensor('index_select', 'index', index, dimSize(x, d), x.device);
  const xs = contiguous(x);
  return withTemps('index_select', [xs, t], [xs !== x, owned], { dim: d });
}

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (torch.gather): index has the rank of x and
 * index.shape[d] <= x.shape[d] for d != dim; out has index's shape and x's dtype. x may be any view.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'x');
  const d = checkDim(dim);
  checkTensor(index, 'index');
  const it = contiguous(index);
  return withTemps('gather', [x, it], [false, it !== index], { dim: d });
}

/**
 * A copy of x [R, ...] with row index[i] replaced by src[i] [n, ...] (index_put_ / index_copy
 * along dim 0; the image-token scatter of a VLM: x = token embeddings, src = image embeddings).
 * A row named twice receives the LAST src row naming it, on every backend.
 */
export function scatterRows(x: Tensor, index: Indices, src: Tensor): Tensor {
  checkTensor(x, 'x');
  checkTensor(src, 'src');
  const { t, owned } = indexTensor('scatter_rows', 'index', index, x.rank > 0 ? x.shape[0]! : null, x.device);
  const xs = contiguous(x);
  const ss = contiguous(src);
  return withTemps('scatter_rows', [xs, t, ss], [xs !== x, owned, ss !== src]);
}
