// Oracles for attention, written from the definition (not from the kernels): for every segment,
// head and query row, the visible keys are enumerated, logits formed, softmax taken and values
// summed. attentionRef works in fp64; attentionNaive is the "naive same-precision" implementation
// the f16/bf16 error budget is measured against (FlashAttention's rule): logits rounded to the
// input dtype, softmax probabilities rounded to it, output rounded once.
import { roundToBits, bitsToValue, type FloatDType } from './common.js';

export interface AttnSegment {
  qBegin: number;
  qLen: number;
  kBegin: number;
  kLen: number;
}

export interface AttnProblem {
  /** packed rows: q [Tq, H, D], k/v [Tk, Hkv, D] (a dense [B, S, H, D] is the same memory) */
  q: ArrayLike<number>;
  k: ArrayLike<number>;
  v: ArrayLike<number>;
  tq: number;
  h: number;
  hkv: number;
  d: number;
  segments: readonly AttnSegment[];
  causal?: boolean;
  scale?: number;
  window?: readonly [number, number];
  softcap?: number;
}

export interface AttnResult {
  /** [Tq, H, D] */
  out: Float64Array;
  /** [H, Tq] natural-log sum of exp of the row's logits; -Infinity when no key is visible */
  lse: Float64Array;
  /** [Tq, H] number of visible keys of the row */
  visible: Int32Array;
}

/** Whether query i of a segment (Sq queries, Sk keys) sees key j: FlashAttention-2 >= 2.1 rules. */
export function keyVisible(i: number, j: number, sq: number, sk: number, causal: boolean, window: readonly [number, number]): boolean {
  if (j < 0 || j >= sk) return false;
  const diag = i + sk - sq; // bottom-right aligned diagonal
  if (causal && j > diag) return false;
  if (window[0] >= 0 && j < diag - window[0]) return false;
  if (window[1] >= 0 && j > diag + window[1]) return false;
  return true;
}

function run(p: AttnProblem, logit: (x: number) => number, prob: (x: number) => number, fin: (x: number) => number): AttnResult {
  const { h, hkv, d, tq } = p;
  const scale = p.scale ?? 1 / Math.sqrt(d);
  const window = p.window ?? [-1, -1];
  const causal = p.causal ?? false;
  const group = h / hkv;
  const out = new Float64Array(tq * h * d);
  const lse = new Float64Array(h * tq).fill(-Infinity);
  const visible = new Int32Array(tq * h);
  for (const sg of p.segments) {
    for (let hh = 0; hh < h; hh++) {
      const hk = Math.floor(hh / group);
      for (let i = 0; i < sg.qLen; i++) {
        const row = sg.qBegin + i;
        const qo = (row * h + hh) * d;
        const keys: number[] = [];
        const s: number[] = [];
        for (let j = 0; j < sg.kLen; j++) {
          if (!keyVisible(i, j, sg.qLen, sg.kLen, causal, window)) continue;
          const ko = ((sg.kBegin + j) * hkv + hk) * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += p.q[qo + c]! * p.k[ko + c]!;
          let x = dot * scale;
          if (p.softcap && p.softcap > 0) x = p.softcap * Math.tanh(x / p.softcap);
          keys.push(j);
          s.push(logit(x));
        }
        visible[row * h + hh] = keys.length;
        if (keys.length === 0) continue; // output row stays 0
        let mx = -Infinity;
        for (const x of s) mx = Math.max(mx, x);
        let sum = 0;
        const e = s.map((x) => Math.exp(x - mx));
        for (const x of e) sum += x;
        lse[hh * tq + row] = mx + Math.log(sum);
        const pr = e.map((x) => prob(x / sum));
        const acc = new Float64Array(d);
        for (let n = 0; n < keys.length; n++) {
          const vo = ((sg.kBegin + keys[n]!) * hkv + hk) * d;
          for (let c = 0; c < d; c++) acc[c] = acc[c]! + pr[n]! * p.v[vo + c]!;
        }
        for (let c = 0; c < d; c++) out[(row * h + hh) * d + c] = fin(acc[c]!);
      }
    }
  }
  return { out, lse, visible };
}

export function attentionRef(p: AttnProblem): AttnResult {
  const id = (x: number) => x;
  return run(p, id, id, id);
}

export function attentionNaive(p: AttnProblem, dtype: FloatDType): AttnResult {
  const r = (x: number) => (dtype === 'f32' ? Math.fround(x) : bitsToValue(roundToBits(Math.fround(x), dtype), dtype));
  return run(p, r, r, r);
}

/** Dense batches as segments: batch b = rows [b Sq, (b + 1) Sq) of q and [b Sk, (b + 1) Sk) of k. */
export function denseSegments(b: number, sq: number, sk: number): AttnSegment[] {
  return Array.from({ length: b }, (_, i) => ({ qBegin: i * sq, qLen: sq, kBegin: i * sk, kLen: sk }));
}

/** Segments from boundary arrays as the kernels read device values: clamped running maximum. */
export function varlenSegments(cuQ: readonly number[], cuK: readonly number[], tq: number, tk: number): AttnSegment[] {
  const clamp = (cu: readonly number[], total: number) => {
    const c: number[] = [];
    let prev = 0;
    cu.forEach((x, i) => {
      let y = i > 0 && x < prev ? prev : x;
      y = Math.min(Math.max(y, 0), total);
      c.push(y);
      prev = y;
    });
    return c;
  };
  const cq = clamp(cuQ, tq);
  const ck = clamp(cuK, tk);
  return cq.slice(0, -1).map((x, b) => ({ qBegin: x, qLen: cq[b + 1]! - x, kBegin: ck[b]!, kLen: ck[b + 1]! - ck[b]! }));
}
