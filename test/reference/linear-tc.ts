// fp64 oracle for linear, written from the definition out[m, n] = sum_k x[m, k] w[n, k] + b[n]
// (torch.nn.functional.linear), independent of every kernel: exact products and an fp64 sum of
// the stored input values. linearNaive is the "naive same-precision implementation" of the 2x
// rule: f32 products and a k-ascending f32 sum, bias added in f32, one rounding to the dtype.
import { bitsToValue, roundToBits, type FloatDType } from './common.js';

export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, m: number, n: number, k: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = s + (bias ? bias[j]! : 0);
    }
  }
  return out;
}

export function linearNaive(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, m: number, n: number, k: number, dtype: FloatDType): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(x[i * k + p]! * w[j * k + p]!));
      if (bias) s = Math.fround(s + bias[j]!);
      out[i * n + j] = dtype === 'f32' ? s : bitsToValue(roundToBits(s, dtype), dtype);
    }
  }
  return out;
}
