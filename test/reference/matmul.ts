// Oracles for matmul: exact-ish fp64 sums, and a naive same-precision implementation (products
// and sums in f32, output rounded once) that sets the error budget for f16/bf16.
import { bitsToValue, numel, roundToBits, type FloatDType } from './common.js';
import { broadcastMap, broadcastShape } from './binary.js';

export interface MatmulPlan {
  shape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  aBatch: Int32Array; // per output batch: batch index into a
  bBatch: Int32Array;
}

export function matmulPlan(aShape: readonly number[], bShape: readonly number[]): MatmulPlan {
  if (aShape.length < 2 || bShape.length < 2) throw new Error('reference: matmul needs rank >= 2');
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const n = bShape[bShape.length - 1]!;
  if (bShape[bShape.length - 2] !== k) throw new Error('reference: K mismatch');
  const ba = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const batchShape = broadcastShape(ba, bb);
  if (!batchShape) throw new Error('reference: batch dims do not broadcast');
  return {
    shape: [...batchShape, m, n],
    batch: numel(batchShape),
    m,
    n,
    k,
    aBatch: broadcastMap(ba, batchShape),
    bBatch: broadcastMap(bb, batchShape),
  };
}

function run(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], acc: (s: number, x: number, y: number) => number, fin: (s: number) => number) {
  const p = matmulPlan(aShape, bShape);
  const out = new Float64Array(p.batch * p.m * p.n);
  for (let t = 0; t < p.batch; t++) {
    const ao = p.aBatch[t]! * p.m * p.k;
    const bo = p.bBatch[t]! * p.k * p.n;
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let s = 0;
        for (let q = 0; q < p.k; q++) s = acc(s, a[ao + i * p.k + q]!, b[bo + q * p.n + j]!);
        out[(t * p.m + i) * p.n + j] = fin(s);
      }
    }
  }
  return { shape: p.shape, out };
}

/** fp64 matmul of row-major a [..., M, K] and b [..., K, N] with broadcast batch dims. */
export function matmulRef(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[]) {
  return run(a, aShape, b, bShape, (s, x, y) => s + x * y, (s) => s);
}

/** Naive same-precision matmul: f32 products and sums in order, result rounded to `dtype`. */
export function matmulNaive(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], dtype: FloatDType) {
  const fin = dtype === 'f32' ? (s: number) => s : (s: number) => bitsToValue(roundToBits(s, dtype), dtype);
  return run(a, aShape, b, bShape, (s, x, y) => Math.fround(s + Math.fround(x * y)), fin);
}
