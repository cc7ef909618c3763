// Oracles for linear (torch.nn.functional.linear): out[..., n] = sum_k x[..., k] w[n, k] + b[n]
// with w stored [N, K]. An fp64 sum, and a naive same-precision implementation (f32 products and
// f32 sums in k order, bias added in f32, one rounding to x's dtype) that sets the error budget
// for half outputs.
import { bitsToValue, numel, roundToBits, type FloatDType } from './common.js';

export interface LinearShapes {
  shape: number[]; // output shape [...lead, N]
  m: number;
  n: number;
  k: number;
}

export function linearShapes(xShape: readonly number[], wShape: readonly number[]): LinearShapes {
  if (xShape.length < 1 || wShape.length !== 2) throw new Error('reference: linear needs x of rank >= 1 and w of rank 2');
  const k = xShape[xShape.length - 1]!;
  const [n, wk] = wShape as [number, number];
  if (wk !== k) throw new Error('reference: K mismatch');
  return { shape: [...xShape.slice(0, -1), n], m: numel(xShape.slice(0, -1)), n, k };
}

function run(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  bias: ArrayLike<number> | undefined,
  acc: (s: number, a: number, b: number) => number,
  fin: (s: number) => number,
) {
  const p = linearShapes(xShape, wShape);
  const out = new Float64Array(p.m * p.n);
  for (let i = 0; i < p.m; i++) {
    for (let j = 0; j < p.n; j++) {
      let s = 0;
      for (let q = 0; q < p.k; q++) s = acc(s, x[i * p.k + q]!, w[j * p.k + q]!);
      if (bias) s = acc(s, bias[j]!, 1);
      out[i * p.n + j] = fin(s);
    }
  }
  return { shape: p.shape, out };
}

/** fp64 linear of row-major x [..., K], w [N, K] and optional bias [N]. */
export function linearRef(x: ArrayLike<number>, xShape: readonly number[], w: ArrayLike<number>, wShape: readonly number[], bias?: ArrayLike<number>) {
  return run(x, xShape, w, wShape, bias, (s, a, b) => s + a * b, (s) => s);
}

/** Naive same-precision linear: f32 products and sums in k order, + bias in f32, rounded once to `dtype`. */
export function linearNaive(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  bias: ArrayLike<number> | undefined,
  dtype: FloatDType,
) {
  const fin = dtype === 'f32' ? (s: number) => s : (s: number) => bitsToValue(roundToBits(s, dtype), dtype);
  return run(x, xShape, w, wShape, bias, (s, a, b) => Math.fround(s + Math.fround(a * b)), fin);
}
