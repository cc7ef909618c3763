// Helpers shared by the nn oracles (norm, rope, activation, softmax): rounding a double to a
// float dtype the way a kernel stores an f32 value, ulp distances, and an fp64 erf/erfc.
import { bitsToValue, roundToBits, type FloatDType } from './common.js';

/** x (a double) as the kernel stores it in `d`: f32 first (Math.fround), then f16/bf16, decoded. */
export function roundTo(x: number, d: FloatDType): number {
  const f = Math.fround(x);
  return d === 'f32' ? f : bitsToValue(roundToBits(f, d), d);
}

const PRECISION: Record<FloatDType, number> = { f32: 24, f16: 11, bf16: 8 };

/** Size of one unit in the last place of `d` at the magnitude of x (subnormals ignored). */
export function ulp(x: number, d: FloatDType): number {
  const a = Math.abs(x);
  if (a === 0 || !Number.isFinite(a)) return 0;
  return 2 ** (Math.floor(Math.log2(a)) - (PRECISION[d] - 1));
}

/** Largest |a - e| in ulps of `d` at e, and the fraction of elements that are identical. */
export function ulpStats(actual: ArrayLike<number>, expected: ArrayLike<number>, d: FloatDType): { maxUlps: number; exact: number } {
  let maxUlps = 0;
  let same = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || a === e || (Number.isNaN(a) && Number.isNaN(e))) {
      same++;
      continue;
    }
    const u = ulp(e, d) || ulp(a, d) || Number.MIN_VALUE;
    maxUlps = Math.max(maxUlps, Math.abs(a - e) / u);
  }
  return { maxUlps, exact: expected.length ? same / expected.length : 1 };
}

/** erf in fp64: Taylor series below |z| = 2.5, else 1 - erfc from its continued fraction. */
export function erf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (Math.abs(z) >= 2.5) return Math.sign(z) * (1 - erfcPositive(Math.abs(z)));
  // erf z = 2/sqrt(pi) * sum (-1)^n z^(2n+1) / (n! (2n+1))
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc for z >= 2.5 by the Laplace continued fraction (modified Lentz), relative error ~1e-15. */
function erfcPositive(z: number): number {
  if (z === Infinity) return 0;
  // erfc z = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + 2/(z + ...)))))
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let dd = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    dd = z + a * dd;
    dd = dd === 0 ? tiny : dd;
    c = z + a / c;
    c = c === 0 ? tiny : c;
    dd = 1 / dd;
    const delta = c * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** erfc in fp64 without cancellation for large positive z. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return z >= 2.5 ? erfcPositive(z) : 1 - erf(z);
}
