// Result comparison: normalized MSE with strict special-value rules, and exact (bitwise) equality.
import { bitsToValue, isHalf, type DType } from '../reference/cast.js';

type Num = ArrayLike<number>;
type Elems = ArrayLike<number | bigint>;

function fmt(x: number | bigint, dtype?: DType): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (dtype && isHalf(dtype)) return `0x${x.toString(16).padStart(4, '0')} (${bitsToValue(x, dtype)})`;
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** Where NaN and infinities of `actual` differ from `expected`, or null when they agree. */
function specialMismatch(actual: Num, expected: Num): string | null {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) return `index ${i}: received ${a}, expected ${e} (NaN must appear exactly where the reference has NaN)`;
    if (Number.isFinite(a) !== Number.isFinite(e) && !Number.isNaN(e)) return `index ${i}: received ${a}, expected ${e} (infinities must match)`;
    if (!Number.isFinite(e) && !Number.isNaN(e) && a !== e) return `index ${i}: received ${a}, expected ${e} (infinity sign)`;
  }
  return null;
}

/**
 * sum((a - e)^2) / sum(e^2) over the finite positions (plain MSE when every expected value is 0).
 * Infinity when the lengths differ or NaN/infinities disagree (see expectClose for the reason).
 */
export function nmse(actual: Num, expected: Num): number {
  if (actual.length !== expected.length) return Infinity;
  if (specialMismatch(actual, expected)) return Infinity;
  let num = 0;
  let den = 0;
  let n = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (!Number.isFinite(e)) continue;
    const d = actual[i]! - e;
    num += d * d;
    den += e * e;
    n++;
  }
  if (n === 0) return 0;
  return den === 0 ? num / n : num / den;
}

export interface CloseOptions {
  nmse: number;
  label?: string;
}

/** Asserts nmse(actual, expected) <= opts.nmse; the message names the worst element. */
export function expectClose(actual: Num, expected: Num, opts: CloseOptions): void {
  const label = opts.label ? `${opts.label}: ` : '';
  if (actual.length !== expected.length) throw new Error(`${label}received ${actual.length} elements, expected ${expected.length}`);
  const sm = specialMismatch(actual, expected);
  if (sm) throw new Error(`${label}${sm}`);
  const err = nmse(actual, expected);
  if (!(err <= opts.nmse)) {
    let worst = -1;
    let wd = -1;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(actual[i]! - expected[i]!);
      if (d > wd) {
        wd = d;
        worst = i;
      }
    }
    throw new Error(`${label}nmse ${err.toExponential(3)} exceeds ${opts.nmse.toExponential(1)}; largest difference at index ${worst}: received ${actual[worst]}, expected ${expected[worst]}`);
  }
}

export interface ExactOptions {
  /** Element type, so that half words print as bits and NaN words match any NaN. */
  dtype?: DType;
  label?: string;
}

function same(a: number | bigint, e: number | bigint, dtype?: DType): boolean {
  if (typeof a === 'bigint' || typeof e === 'bigint') return a === e;
  if (dtype && isHalf(dtype)) return a === e || (Number.isNaN(bitsToValue(a, dtype)) && Number.isNaN(bitsToValue(e, dtype)));
  // Object.is tells -0 from +0; NaN matches NaN (payloads are not compared)
  return Object.is(a, e);
}

/**
 * Exact equality element by element: floats bitwise (-0 differs from +0, NaN only where the
 * reference has NaN), half words as bits, integers and bigints by value.
 */
export function expectExact(actual: Elems, expected: Elems, opts: ExactOptions = {}): void {
  const label = opts.label ? `${opts.label}: ` : '';
  if (actual.length !== expected.length) throw new Error(`${label}received ${actual.length} elements, expected ${expected.length}`);
  let first = -1;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!same(actual[i]!, expected[i]!, opts.dtype)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count > 0) {
    const examples: string[] = [];
    for (let i = first; i < expected.length && examples.length < 5; i++) {
      if (!same(actual[i]!, expected[i]!, opts.dtype)) examples.push(`[${i}] received ${fmt(actual[i]!, opts.dtype)}, expected ${fmt(expected[i]!, opts.dtype)}`);
    }
    throw new Error(`${label}${count} of ${expected.length} elements differ; first at index ${first}\n  ${examples.join('\n  ')}`);
  }
}

/** The raw bytes of a typed array (for copies that must preserve every bit, NaN payloads included). */
export function bytesOf(x: ArrayBufferView): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** Decodes storage (halves as words) to plain numbers for expectClose. */
export function toNumbers(x: Elems, dtype?: DType): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = typeof v === 'bigint' ? Number(v) : dtype && isHalf(dtype) ? bitsToValue(v, dtype) : v;
  }
  return out;
}

/** Cases whose results reached expectBackendsAgree, per backend (for backendSummary). */
export const casesRun = new Map<string, number>();

/**
 * Cross-backend check: every backend's result equals the CPU's (exactly, or within `nmse` when
 * given). A no-op with a single backend.
 */
export function expectBackendsAgree(results: ReadonlyMap<string, Elems>, opts: ExactOptions & { nmse?: number } = {}): void {
  for (const dev of results.keys()) casesRun.set(dev, (casesRun.get(dev) ?? 0) + 1);
  const cpu = results.get('cpu');
  if (!cpu) return;
  for (const [dev, r] of results) {
    if (dev === 'cpu') continue;
    const label = `${opts.label ? `${opts.label}: ` : ''}${dev} vs cpu`;
    if (opts.nmse !== undefined) expectClose(toNumbers(r, opts.dtype), toNumbers(cpu, opts.dtype), { nmse: opts.nmse, label });
    else expectExact(r, cpu, { ...opts, label });
  }
}
