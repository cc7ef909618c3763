// Oracles for rms_norm / layer_norm / add_rms_norm over the last dim of row-major data:
// fp64 math without intermediate roundings (the ideal), HF's rounding points with fp64
// statistics (what a bit-faithful kernel can match up to statistic rounding), and a naive f32
// implementation (sequential f32 sums) that sets the 2x error budget for half dtypes.
import { type FloatDType } from './common.js';
import { roundTo } from './nn-common.js';

export interface NormCase {
  x: readonly number[];
  d: number;
  w: readonly number[];
  b?: readonly number[];
  eps: number;
}

/** fp64 RMSNorm: w * x / sqrt(mean(x^2) + eps). */
export function rmsNormRef({ x, d, w, eps }: NormCase): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r * d < x.length; r++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[r * d + i]! ** 2;
    const rstd = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = w[i]! * x[r * d + i]! * rstd;
  }
  return out;
}

/**
 * HF Qwen2RMSNorm rounding points: n = cast_T(x * rstd) with rstd from fp64 statistics (f32
 * eps), out = cast_O(w * n). `f32Stats` computes the statistics as a naive f32 loop instead.
 */
export function rmsNormHf({ x, d, w, eps }: NormCase, t: FloatDType, o: FloatDType, f32Stats = false): Float64Array {
  const out = new Float64Array(x.length);
  const epsF = Math.fround(eps);
  for (let r = 0; r * d < x.length; r++) {
    let rstd: number;
    if (f32Stats) {
      let ss = 0;
      for (let i = 0; i < d; i++) ss = Math.fround(ss + Math.fround(x[r * d + i]! ** 2));
      rstd = Math.fround(1 / Math.fround(Math.sqrt(Math.fround(Math.fround(ss / d) + epsF))));
    } else {
      let ss = 0;
      for (let i = 0; i < d; i++) ss += x[r * d + i]! ** 2;
      rstd = 1 / Math.sqrt(ss / d + epsF);
    }
    for (let i = 0; i < d; i++) out[r * d + i] = roundTo(w[i]! * roundTo(x[r * d + i]! * rstd, t), o);
  }
  return out;
}

/** residual' = cast_T(x + residual), computed as the f32 add the kernels (and PyTorch) do. */
export function addRound(x: readonly number[], residual: readonly number[], t: FloatDType): number[] {
  return x.map((v, i) => roundTo(Math.fround(v + residual[i]!), t));
}

/** fp64 LayerNorm: (x - mean) / sqrt(var + eps) * w + b (biased variance). */
export function layerNormRef({ x, d, w, b, eps }: NormCase): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r * d < x.length; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += x[r * d + i]!;
    const mean = s / d;
    let q = 0;
    for (let i = 0; i < d; i++) q += (x[r * d + i]! - mean) ** 2;
    const rstd = 1 / Math.sqrt(q / d + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = (x[r * d + i]! - mean) * rstd * w[i]! + (b ? b[i]! : 0);
  }
  return out;
}

/** Naive LayerNorm: sequential f32 sums and products, one rounding to `t`. */
export function layerNormNaive({ x, d, w, b, eps }: NormCase, t: FloatDType): Float64Array {
  const out = new Float64Array(x.length);
  const f = Math.fround;
  for (let r = 0; r * d < x.length; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s = f(s + x[r * d + i]!);
    const mean = f(s / d);
    let q = 0;
    for (let i = 0; i < d; i++) q = f(q + f(f(x[r * d + i]! - mean) ** 2));
    const rstd = f(1 / f(Math.sqrt(f(f(q / d) + f(eps)))));
    for (let i = 0; i < d; i++) out[r * d + i] = roundTo(f(f(f(f(x[r * d + i]! - mean) * rstd) * w[i]!) + (b ? b[i]! : 0)), t);
  }
  return out;
}
