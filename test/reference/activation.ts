// Oracles for silu / gelu / swiglu / softmax from their definitions in fp64, and the naive
// same-precision results (the exact value rounded once per PyTorch op) that set the f16/bf16
// error budget and, for swiglu, define HF's rounding points.
import { type FloatDType } from './common.js';
import { erf, erfc, roundTo } from './nn-common.js';

export function siluRef(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Exact GELU x * Phi(x) = 0.5 x erfc(-x / sqrt 2) (torch's 0.5 x (1 + erf(x / sqrt 2))). */
export function geluRef(x: number): number {
  if (x === -Infinity) return NaN; // torch: -inf * 0
  return x >= 0 ? 0.5 * x * (1 + erf(x / Math.SQRT2)) : 0.5 * x * erfc(-x / Math.SQRT2);
}

/** torch's tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in fp64. */
export function geluTanhRef(x: number): number {
  const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
  if (x === -Infinity) return NaN;
  // 1 + tanh(u) = 2 / (1 + e^(-2u)) keeps the negative tail exact in fp64 too
  return x / (1 + Math.exp(-2 * u));
}

/** fp64 silu(g) * u. */
export function swigluRef(g: readonly number[], u: readonly number[]): Float64Array {
  return Float64Array.from(g, (v, i) => siluRef(v) * u[i]!);
}

/** HF's two bf16 ops: cast_T(cast_T(silu(g)) * u), silu exact before its rounding. */
export function swigluHf(g: readonly number[], u: readonly number[], t: FloatDType): Float64Array {
  return Float64Array.from(g, (v, i) => roundTo(roundTo(siluRef(v), t) * u[i]!, t));
}

/** fp64 softmax of each row of length d; a row with NaN, +inf or only -inf is all NaN. */
export function softmaxRef(x: readonly number[], d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r * d < x.length; r++) {
    const row = x.slice(r * d, r * d + d);
    const m = Math.max(...row);
    if (Number.isNaN(m) || m === Infinity || m === -Infinity) {
      out.fill(NaN, r * d, r * d + d);
      continue;
    }
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    for (let i = 0; i < d; i++) out[r * d + i] = Math.exp(row[i]! - m) / s;
  }
  return out;
}
