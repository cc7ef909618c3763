// Exact oracle for cast, and the float formats every other oracle rounds to.
// Rounding is done on exact integers (BigInt mantissa * 2^k), so it is independent of the host
// encoders in src/dtype.ts and of native/half.h: a value is rounded once, to nearest, ties to even.

export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'i64' | 'u8' | 'bool';
export const ALL_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8', 'bool'];
export type FloatDType = 'f32' | 'f16' | 'bf16';

/** One element as a value: floats as their exact number, i64 as bigint, bool as 0/1. */
export type Val = number | bigint;
/** Storage typed array per dtype (halves as raw 16-bit words, bool as bytes). */
export type Storage = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

export function isFloat(d: DType): d is FloatDType {
  return d === 'f32' || d === 'f16' || d === 'bf16';
}
export function isHalf(d: DType): d is 'f16' | 'bf16' {
  return d === 'f16' || d === 'bf16';
}

interface Format {
  p: number; // precision incl. the implicit bit
  emin: number; // exponent of the smallest normal
  emax: number; // exponent of the largest finite
  expBits: number;
}
const FORMATS: Record<FloatDType, Format> = {
  f32: { p: 24, emin: -126, emax: 127, expBits: 8 },
  f16: { p: 11, emin: -14, emax: 15, expBits: 5 },
  bf16: { p: 8, emin: -126, emax: 127, expBits: 8 },
};

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

const dv = new DataView(new ArrayBuffer(8));

/** |x| = m * 2^k exactly, for a finite double x. */
export function decompose(x: number): { neg: boolean; m: bigint; k: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const neg = hi >>> 31 === 1;
  const e = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return { neg, m: frac, k: -1074 };
  return { neg, m: frac | (1n << 52n), k: e - 1075 };
}

function signBit(fmt: Format): number {
  return 2 ** (fmt.expBits + fmt.p - 1);
}

function infBits(fmt: Format, neg: boolean): number {
  return (neg ? signBit(fmt) : 0) + (2 ** fmt.expBits - 1) * 2 ** (fmt.p - 1);
}

/** Canonical quiet NaN of the format (payloads are not compared). */
export function nanBits(d: FloatDType): number {
  const fmt = FORMATS[d];
  return infBits(fmt, false) + 2 ** (fmt.p - 2);
}

/** Bits of the format nearest (ties to even) to (-1)^neg * m * 2^k. */
function roundExact(neg: boolean, m: bigint, k: number, fmt: Format): number {
  const sign = neg ? signBit(fmt) : 0;
  if (m === 0n) return sign;
  const E = bitLength(m) - 1 + k; // value in [2^E, 2^(E+1))
  const qe = Math.max(E, fmt.emin) - (fmt.p - 1); // exponent of one unit in the last place
  const s = qe - k;
  let q: bigint;
  if (s <= 0) {
    q = m << BigInt(-s);
  } else {
    q = m >> BigInt(s);
    const rem = m & ((1n << BigInt(s)) - 1n);
    const half = 1n << BigInt(s - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  if (q === 0n) return sign;
  let e2 = qe;
  let ql = bitLength(q);
  if (ql > fmt.p) {
    // rounding carried into the next binade (q == 2^p)
    q >>= 1n;
    e2 += 1;
    ql -= 1;
  }
  if (ql < fmt.p) {
    // subnormal: the exponent field is 0
    if (e2 !== fmt.emin - (fmt.p - 1)) throw new Error('reference: internal rounding error');
    return sign + Number(q);
  }
  const Eres = ql - 1 + e2;
  if (Eres > fmt.emax) return infBits(fmt, neg);
  const bias = fmt.emax;
  return sign + (Eres + bias) * 2 ** (fmt.p - 1) + Number(q - (1n << BigInt(fmt.p - 1)));
}

/** Bits of `x` (a double or an exact integer) rounded once to the float format `d`. */
export function roundToBits(x: number | bigint, d: FloatDType): number {
  const fmt = FORMATS[d];
  if (typeof x === 'bigint') return roundExact(x < 0n, x < 0n ? -x : x, 0, fmt);
  if (Number.isNaN(x)) return nanBits(d);
  if (x === Infinity || x === -Infinity) return infBits(fmt, x < 0);
  const { neg, m, k } = decompose(x);
  return roundExact(neg, m, k, fmt);
}

/** The exact value of float bits of format `d`. */
export function bitsToValue(bits: number, d: FloatDType): number {
  const fmt = FORMATS[d];
  const mantBits = fmt.p - 1;
  const neg = bits >= signBit(fmt);
  const rest = neg ? bits - signBit(fmt) : bits;
  const e = Math.floor(rest / 2 ** mantBits);
  const man = rest % 2 ** mantBits;
  const sgn = neg ? -1 : 1;
  if (e === 2 ** fmt.expBits - 1) return man ? NaN : sgn * Infinity;
  if (e === 0) return sgn * man * 2 ** (fmt.emin - mantBits);
  return sgn * (2 ** mantBits + man) * 2 ** (e - fmt.emax - mantBits);
}

/**
 * A value computed in f64 stored as a float dtype the native way (elem.h from_f64): f32 first
 * (Math.fround is IEEE round to nearest even), then f16/bf16. Returns the f32 value or half bits.
 */
export function f64ToFloatStorage(x: number, d: FloatDType): number {
  const f = Math.fround(x);
  return d === 'f32' ? f : roundToBits(f, d);
}

export function allocStorage(d: DType, n: number): Storage {
  switch (d) {
    case 'f32':
      return new Float32Array(n);
    case 'f16':
    case 'bf16':
      return new Uint16Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'i64':
      return new BigInt64Array(n);
    default:
      return new Uint8Array(n);
  }
}

/** Exact values of a storage array (halves decoded, i64 as bigint). */
export function storageToValues(d: DType, s: ArrayLike<number | bigint>): Val[] {
  const out: Val[] = new Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    if (isHalf(d)) out[i] = bitsToValue(x as number, d);
    else if (d === 'bool') out[i] = x ? 1 : 0;
    else out[i] = x;
  }
  return out;
}

/** Storage element of dtype `to` for value `x` of dtype `from` (the cast rules of params/cast.h). */
export function castElement(x: Val, from: DType, to: DType): number | bigint {
  if (from === to) return isHalf(to) ? roundToBits(x as number, to) : x;
  if (to === 'bool') return (typeof x === 'bigint' ? x !== 0n : x !== 0) ? 1 : 0; // NaN != 0
  if (isFloat(to)) {
    // floats round to nearest even; integers (and bool) round from their exact value to f32 first
    // and only then to f16/bf16, as PyTorch does (c10::BFloat16/Half are built from a float), so
    // a large integer can round twice
    const src: number | bigint = isFloat(from) ? (x as number) : bitsToValue(roundToBits(BigInt(x), 'f32'), 'f32');
    const bits = roundToBits(src, to);
    return to === 'f32' ? bitsToValue(bits, 'f32') : bits;
  }
  // integer destination
  if (isFloat(from)) {
    const v = x as number;
    if (Number.isNaN(v)) return to === 'i64' ? 0n : 0;
    const t = Math.trunc(v);
    if (to === 'i64') {
      if (t >= 2 ** 63) return (1n << 63n) - 1n;
      if (t <= -(2 ** 63)) return -(1n << 63n);
      return BigInt(t);
    }
    const [lo, hi] = to === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 255];
    return Math.min(hi, Math.max(lo, t)) + 0; // + 0 turns -0 into 0
  }
  // integer (or bool) -> integer wraps modulo 2^bits
  const b = BigInt(x);
  if (to === 'i64') return BigInt.asIntN(64, b);
  if (to === 'i32') return Number(BigInt.asIntN(32, b));
  return Number(BigInt.asUintN(8, b));
}

/** Expected storage of cast(values of dtype from) to dtype to. */
export function castRef(values: readonly Val[], from: DType, to: DType): Storage {
  const out = allocStorage(to, values.length);
  for (let i = 0; i < values.length; i++) (out as unknown as (number | bigint)[])[i] = castElement(values[i]!, from, to);
  return out;
}
