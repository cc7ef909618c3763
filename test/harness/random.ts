// Seeded host-side inputs: a mulberry32 stream, per-dtype storage that is never zero and never
// all-equal, and tensors built as (possibly non-contiguous) views over such storage.
import { Tensor, type DeviceId } from '../../src/index.js';
import { allocStorage, isHalf, roundToBits, storageToValues, type DType, type Storage, type Val } from '../reference/cast.js';
import { applySteps, contiguousView, gather, numel, type View, type ViewStep } from '../reference/copy.js';
import { type Scope } from './guard.js';

export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Next uint32 (mulberry32). */
  u32(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** [0, 1) with 53 random bits. */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  sign(): number {
    return this.u32() & 1 ? -1 : 1;
  }
  /** A uniformly random 64-bit two's complement value. */
  i64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length)]!;
  }
}

export interface StorageOptions {
  /** Float magnitudes in [lo, hi) (default [0.125, 4)), random sign unless `positive`. */
  lo?: number;
  hi?: number;
  positive?: boolean;
  /** Integer range [lo, hi) for i32/i64/u8 (default: the whole type without 0). */
  intLo?: number;
  intHi?: number;
}

function one(d: DType, r: Rng, o: StorageOptions): number | bigint {
  switch (d) {
    case 'f32':
    case 'f16':
    case 'bf16': {
      const x = (o.positive ? 1 : r.sign()) * r.uniform(o.lo ?? 0.125, o.hi ?? 4);
      return d === 'f32' ? Math.fround(x) : roundToBits(Math.fround(x), d);
    }
    case 'i32':
      return o.intLo !== undefined ? r.int(o.intLo, o.intHi!) : r.u32() | 0;
    case 'i64':
      return o.intLo !== undefined ? BigInt(r.int(o.intLo, o.intHi!)) : r.i64();
    case 'u8':
      return o.intLo !== undefined ? r.int(o.intLo, o.intHi!) : r.int(1, 256);
    case 'bool':
      return r.u32() & 1;
  }
}

function isZero(d: DType, x: number | bigint): boolean {
  if (d === 'bool') return false; // bool draws both values; only all-equal is excluded
  if (isHalf(d)) return ((x as number) & 0x7fff) === 0;
  return x === 0 || x === 0n;
}

/** n random elements of dtype as storage: never zero (bool: both values present), never all-equal. */
export function randomStorage(d: DType, n: number, r: Rng, o: StorageOptions = {}): Storage {
  const out = allocStorage(d, n);
  const w = out as unknown as (number | bigint)[];
  for (let attempt = 0; ; attempt++) {
    for (let i = 0; i < n; i++) {
      let x = one(d, r, o);
      while (isZero(d, x)) x = one(d, r, o);
      w[i] = x;
    }
    let allEqual = n >= 2;
    for (let i = 1; i < n && allEqual; i++) allEqual = w[i] === w[0];
    if (!allEqual) return out;
    if (attempt > 100) throw new Error(`randomStorage: could not draw distinct ${d} values`);
  }
}

export interface Input {
  /** The tensor the op receives (a view when steps were given). */
  t: Tensor;
  shape: number[];
  dtype: DType;
  /** Its elements in row-major order (exact values; halves decoded, i64 as bigint). */
  values: Val[];
  /** Its elements in row-major order as storage words (halves as bits). */
  storage: (number | bigint)[];
}

/** Applies view steps to a tensor, disposing the intermediates (the result keeps the storage). */
export function applyTensorSteps(t: Tensor, steps: readonly ViewStep[]): Tensor {
  let cur = t;
  for (const s of steps) {
    let next: Tensor;
    switch (s[0]) {
      case 'slice':
        next = cur.slice(s[1], s[2], s[3], s[4]);
        break;
      case 'transpose':
        next = cur.transpose(s[1], s[2]);
        break;
      case 'permute':
        next = cur.permute(...(s.slice(1) as number[]));
        break;
      case 'expand':
        next = cur.expand(...(s.slice(1) as number[]));
        break;
    }
    if (cur !== t) cur.dispose();
    cur = next;
  }
  return cur === t ? t : cur;
}

/**
 * A random tensor of dtype: base storage of `baseShape` on `device`, viewed through `steps`.
 * The tensor (and the base, when different) are registered with `scope`.
 */
export function makeInput(scope: Scope, r: Rng, dtype: DType, baseShape: readonly number[], steps: readonly ViewStep[], device: DeviceId, o: StorageOptions = {}, storage?: Storage): Input {
  const base = storage ?? randomStorage(dtype, numel(baseShape), r, o);
  const bt = scope.keep(Tensor.from(base, { shape: baseShape, dtype, device }));
  const t = steps.length ? scope.keep(applyTensorSteps(bt, steps)) : bt;
  const v: View = applySteps(contiguousView(baseShape), steps);
  const words = gather(base as unknown as ArrayLike<number | bigint>, v);
  return { t, shape: v.shape, dtype, values: storageToValues(dtype, words), storage: words };
}
