// Oracle for add / sub / mul / div: NumPy broadcasting (own index math) and per-dtype arithmetic:
// f32 = the correctly rounded f32 result (fround of the f64 result of two f32 values is exact for
// + - * /, since 53 >= 2*24 + 2), f16/bf16 = that f32 result rounded to nearest even, integers
// wrap modulo 2^bits.
import { allocStorage, numel, roundToBits, type DType, type Storage, type Val } from './common.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** Broadcast shape of a and b, or null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** For each row-major index of `outShape`, the row-major index into a tensor of `inShape`. */
export function broadcastMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = numel(outShape);
  const map = new Int32Array(n);
  const r = outShape.length;
  const lead = r - inShape.length;
  // contiguous strides of the input, 0 where the dim is broadcast
  const st = new Array<number>(r).fill(0);
  let s = 1;
  for (let d = inShape.length - 1; d >= 0; d--) {
    st[d + lead] = inShape[d] === 1 ? 0 : s;
    s *= inShape[d]!;
  }
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < r; d++) off += idx[d]! * st[d]!;
    map[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return map;
}

function f64op(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
  }
}

function bigop(op: BinaryOp, x: bigint, y: bigint): bigint {
  if (op === 'add') return x + y;
  if (op === 'sub') return x - y;
  if (op === 'mul') return x * y;
  throw new Error('reference: integer div is not defined');
}

export function binaryElement(op: BinaryOp, dtype: DType, x: Val, y: Val): number | bigint {
  switch (dtype) {
    case 'f32':
      return Math.fround(f64op(op, Math.fround(x as number), Math.fround(y as number)));
    case 'f16':
    case 'bf16':
      return roundToBits(Math.fround(f64op(op, x as number, y as number)), dtype);
    case 'i64':
      return BigInt.asIntN(64, bigop(op, x as bigint, y as bigint));
    case 'i32': {
      // two's complement wrap: a sum or difference of two i32 is exact in f64 before ToInt32 (| 0); mul needs imul
      const a = x as number;
      const b = y as number;
      if (op === 'div') throw new Error('reference: integer div is not defined');
      return op === 'add' ? (a + b) | 0 : op === 'sub' ? (a - b) | 0 : Math.imul(a, b);
    }
    case 'u8': {
      if (op === 'div') throw new Error('reference: integer div is not defined');
      return f64op(op, x as number, y as number) & 0xff;
    }
    case 'bool':
      throw new Error('reference: bool is not arithmetic');
  }
}

/** Expected output storage and shape of op(a, b); a and b given as row-major values. */
export function binaryRef(op: BinaryOp, dtype: DType, a: readonly Val[], aShape: readonly number[], b: readonly Val[], bShape: readonly number[]): { shape: number[]; out: Storage } {
  const shape = broadcastShape(aShape, bShape);
  if (!shape) throw new Error(`reference: [${aShape}] and [${bShape}] do not broadcast`);
  const ma = broadcastMap(aShape, shape);
  const mb = broadcastMap(bShape, shape);
  const out = allocStorage(dtype, ma.length);
  const o = out as unknown as (number | bigint)[];
  for (let i = 0; i < ma.length; i++) o[i] = binaryElement(op, dtype, a[ma[i]!]!, b[mb[i]!]!);
  return { shape, out };
}
