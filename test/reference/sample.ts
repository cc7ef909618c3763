// Oracles for sample. Two, from params/sample.h and native/sampling.h as documented:
//  - filteredProbs: the exact fp64 distribution the filters leave (Hugging Face warper order:
//    temperature, top-k keeping ties, top-p on the top-k survivors, min-p), for chi-square tests;
//  - sampleSpec: the documented draw itself (z in f32, fixed-point mass q = floor(exp(s) 2^40),
//    Gumbel-max with Philox numbers and the series exp/ln), in plain JS doubles, which are the
//    IEEE operations the kernels are specified with; a kernel must return exactly its tokens.
import { philox4x32 } from './random.js';

export interface SampleOpts {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
}

/** z = f32(logit) / f32(temperature) rounded to f32 (NaN -> -inf); temperature 0 -> the logit. */
export function zValues(logits: ArrayLike<number>, temperature: number): number[] {
  const t = temperature === 0 ? 1 : Math.fround(temperature);
  return Array.from(logits, (l) => (Number.isNaN(l) ? -Infinity : Math.fround(Math.fround(l) / t)));
}

/** The probabilities of each token after the filters (fp64 softmax, no fixed point). */
export function filteredProbs(logits: ArrayLike<number>, o: SampleOpts): Float64Array {
  const z = zValues(logits, o.temperature);
  const v = z.length;
  let keep = z.map(() => true);
  if (o.topK > 0 && o.topK < v) {
    const kth = [...z].sort((a, b) => b - a)[o.topK - 1]!;
    keep = z.map((x) => x >= kth);
  }
  const m = Math.max(...z);
  const e = z.map((x, i) => (keep[i] ? (x === m ? 1 : Math.exp(x - m)) : 0));
  const total = e.reduce((a, b) => a + b, 0);
  if (o.topP < 1) {
    keep = z.map((x, i) => {
      if (!keep[i]) return false;
      let above = 0;
      for (let j = 0; j < v; j++) if (z[j]! > x) above += e[j]!;
      return above / total < o.topP;
    });
  }
  const out = new Float64Array(v);
  let s = 0;
  for (let i = 0; i < v; i++) {
    if (keep[i] && e[i]! >= o.minP && e[i]! > 0) {
      out[i] = e[i]!;
      s += e[i]!;
    }
  }
  for (let i = 0; i < v; i++) out[i]! /= s;
  return out;
}

// ---- the documented arithmetic (native/sampling.h), step by step ----

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const view = new DataView(new ArrayBuffer(8));

function pow2(k: number): number {
  view.setBigUint64(0, BigInt(k + 1023) << 52n);
  return view.getFloat64(0);
}

export function specExp(s: number): number {
  const k = Math.floor(s * 1.442695040888963387 + 0.5);
  const r = s - k * LN2_HI - k * LN2_LO;
  // Horner with the constants 1/j! (k! exact in doubles for k <= 14)
  let p = 1 / 87178291200;
  for (const f of [6227020800, 479001600, 39916800, 3628800, 362880, 40320, 5040, 720, 120, 24, 6, 2, 1, 1]) p = 1 / f + p * r;
  return p * pow2(k);
}

export function specLog(x: number): number {
  view.setFloat64(0, x);
  const b = view.getBigUint64(0);
  let e = Number((b >> 52n) & 0x7ffn) - 1023;
  view.setBigUint64(0, (b & 0xfffffffffffffn) | 0x3ff0000000000000n);
  let m = view.getFloat64(0);
  if (m > 1.4142135623730950488) {
    m *= 0.5;
    e += 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let p = 1 / 25;
  for (let j = 11; j >= 0; j--) p = 1 / (2 * j + 1) + p * z2;
  return 2 * z * p + e * LN2_LO + e * LN2_HI;
}

function specQ(s: number): bigint {
  if (!(s >= -28)) return 0n;
  return BigInt(Math.floor(specExp(s) * 2 ** 40));
}

function specScore(s: number, seed: bigint, offset: bigint, index: bigint): number {
  const lo32 = (x: bigint) => Number(x & 0xffffffffn);
  const hi32 = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
  const w = philox4x32([lo32(index), hi32(index), lo32(offset), hi32(offset)], [lo32(seed), hi32(seed)]);
  const u52 = w[0] * 2 ** 20 + (w[1] >>> 12);
  const u = (u52 + 0.5) * 2 ** -52;
  return s - specLog(-specLog(u));
}

/** The token of row `row` (logits of that row only) under the documented algorithm; -1: no candidate. */
export function sampleSpec(logits: ArrayLike<number>, row: number, o: SampleOpts & { seed: bigint; offset: bigint }): number {
  const z = zValues(logits, o.temperature);
  const v = z.length;
  const m = Math.max(...z);
  if (m === -Infinity) return -1;
  if (o.temperature === 0) return z.indexOf(m);
  const sOf = (x: number) => (x === m ? 0 : x - m);
  let lo = -Infinity; // kept: z >= lo
  if (o.topK > 0 && o.topK < v) lo = [...z].sort((a, b) => b - a)[o.topK - 1]!;
  if (o.topP < 1) {
    const q = z.map((x) => (x >= lo ? specQ(sOf(x)) : 0n));
    const total = q.reduce((a, b) => a + b, 0n);
    const pz = o.topP * Number(total);
    const kept = z.filter((x) => x >= lo).sort((a, b) => b - a);
    let newLo = kept[0]!;
    for (const x of kept) {
      let above = 0n;
      for (let j = 0; j < v; j++) if (z[j]! > x) above += q[j]!;
      if (Number(above) < pz) newLo = x;
      else break;
    }
    lo = newLo;
  }
  const logMinP = o.minP > 0 ? Math.log(o.minP) : -Infinity;
  let best = -Infinity;
  let at = -1;
  for (let i = 0; i < v; i++) {
    if (!(z[i]! >= lo)) continue;
    const s = sOf(z[i]!);
    if (!(s >= logMinP) || s === -Infinity) continue;
    const sc = specScore(s, o.seed, o.offset, BigInt(row) * BigInt(v) + BigInt(i));
    if (at < 0 || sc > best) {
      best = sc;
      at = i;
    }
  }
  return at;
}
