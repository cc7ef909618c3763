// Element types and host-side encode/decode of f16 and bf16 (round to nearest even, NaN as
// PyTorch writes it: bf16 0x7FC0, f16 sign | 0x7E00; the same rules as native/half.h).

export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'i64' | 'u8' | 'bool';
export const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8', 'bool'];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export const DTYPE_SIZE: Readonly<Record<DType, number>> = { f32: 4, f16: 2, bf16: 2, i32: 4, i64: 8, u8: 1, bool: 1 };

export function isFloatDType(d: DType): boolean {
  return d === 'f32' || d === 'f16' || d === 'bf16';
}

/** Storage typed array per dtype: half types as raw 16-bit words, bool as bytes. */
export type StorageArray<D extends DType = DType> = D extends 'f32'
  ? Float32Array
  : D extends 'f16' | 'bf16'
    ? Uint16Array
    : D extends 'i32'
      ? Int32Array
      : D extends 'i64'
        ? BigInt64Array
        : Uint8Array;

/** Decoded numbers per dtype: half types widened to Float32Array. */
export type ValueArray<D extends DType = DType> = D extends 'f32' | 'f16' | 'bf16'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : D extends 'i64'
      ? BigInt64Array
      : Uint8Array;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a < 0x38800000) {
    if (a < 0x33000000) return sign;
    const e = a >>> 23;
    const m = (a & 0x7fffff) | 0x800000;
    const shift = 126 - e;
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q += 1;
    return sign | q;
  }
  const r = a + 0xfff + ((a >>> 13) & 1) - 0x38000000;
  return sign | (r >>> 13);
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  if (exp === 0) return sign * man * 2 ** -24;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

export function encodeHalf(values: ArrayLike<number>, dtype: 'f16' | 'bf16'): Uint16Array {
  const out = new Uint16Array(values.length);
  const enc = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0; i < values.length; i++) out[i] = enc(values[i]!);
  return out;
}

export function decodeHalf(bits: Uint16Array, dtype: 'f16' | 'bf16'): Float32Array {
  const out = new Float32Array(bits.length);
  if (dtype === 'bf16') {
    new Uint32Array(out.buffer).set(bits);
    const w = new Uint32Array(out.buffer);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = f16BitsToF32(bits[i]!);
  }
  return out;
}

/** Wraps raw bytes as the dtype's storage array (no copy). */
export function storageView(dtype: DType, buf: ArrayBuffer): StorageArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf);
    case 'f16':
    case 'bf16':
      return new Uint16Array(buf);
    case 'i32':
      return new Int32Array(buf);
    case 'i64':
      return new BigInt64Array(buf);
    default:
      return new Uint8Array(buf);
  }
}
