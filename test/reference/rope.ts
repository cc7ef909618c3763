// Oracles for rope / rope_cos_sin / vision_rope_cos_sin, written from HF transformers' Python:
// apply_rotary_pos_emb (q * cos + rotate_half(q) * sin with every tensor op rounded to its
// result dtype, torch type promotion), apply_rotary_pos_emb_vision (f32 math, cast back), and
// the inv_freq / angle / cos / sin recipes of Qwen2_5_VLRotaryEmbedding and
// Qwen2_5_VisionRotaryEmbedding. Each f32 op is an fp64 op rounded by Math.fround (exact IEEE).
import { type FloatDType } from './common.js';
import { roundTo } from './nn-common.js';

/**
 * rope on row-major x [B..., S, H, D] with tables [S, D] (or [B..., S, D] when `batched`):
 * compute dtype c = x's dtype when tables have it, else f32; result cast to x's dtype.
 */
export function ropeRef(x: readonly number[], shape: readonly number[], cos: readonly number[], sin: readonly number[], batched: boolean, xt: FloatDType, ct: FloatDType): Float64Array {
  const r = shape.length;
  const S = shape[r - 3]!;
  const H = shape[r - 2]!;
  const D = shape[r - 1]!;
  const half = D / 2;
  const c: FloatDType = xt === ct ? xt : 'f32';
  const rc = (v: number) => roundTo(v, c);
  const out = new Float64Array(x.length);
  const rows = x.length / D;
  for (let row = 0; row < rows; row++) {
    const bs = Math.floor(row / H);
    const trow = batched ? bs : bs % S;
    for (let j = 0; j < D; j++) {
      const xv = x[row * D + j]!;
      const rot = j < half ? -x[row * D + j + half]! : x[row * D + j - half]!;
      const v = rc(rc(xv * cos[trow * D + j]!) + rc(rot * sin[trow * D + j]!));
      out[row * D + j] = roundTo(v, xt);
    }
  }
  return out;
}

/** fp64 rotation without roundings (the ideal for the error budget). */
export function ropeIdeal(x: readonly number[], shape: readonly number[], cos: readonly number[], sin: readonly number[], batched: boolean): Float64Array {
  const r = shape.length;
  const S = shape[r - 3]!;
  const H = shape[r - 2]!;
  const D = shape[r - 1]!;
  const half = D / 2;
  const out = new Float64Array(x.length);
  for (let row = 0; row < x.length / D; row++) {
    const bs = Math.floor(row / H);
    const trow = batched ? bs : bs % S;
    for (let j = 0; j < D; j++) {
      const rot = j < half ? -x[row * D + j + half]! : x[row * D + j - half]!;
      out[row * D + j] = x[row * D + j]! * cos[trow * D + j]! + rot * sin[trow * D + j]!;
    }
  }
  return out;
}

/** HF inv_freq: 1 / theta ** (arange(0, dim, 2).float() / dim), all f32 (theta ** e rounded once). */
export function invFreq(theta: number, dim: number): number[] {
  const out: number[] = [];
  for (let f = 0; f < dim / 2; f++) {
    const e = Math.fround((2 * f) / dim);
    out.push(Math.fround(1 / Math.fround(Math.pow(Math.fround(theta), e))));
  }
  return out;
}

/**
 * cos/sin [S, D] as f32 values (then `dtype`), positions given per axis (pos[a][s]).
 * mrope: frequency f < D/2 uses the axis whose section holds f, inv_freq over D.
 * vision: f < D/4 uses axis 0 (row) with inv_freq over D/2, else axis 1 (column) with f - D/4.
 */
export function ropeTableRef(pos: readonly number[][], dim: number, theta: number, mode: { mrope?: number[]; vision?: boolean }, dtype: FloatDType) {
  const S = pos[0]!.length;
  const half = dim / 2;
  const cos = new Float64Array(S * dim);
  const sin = new Float64Array(S * dim);
  const full = invFreq(theta, dim);
  const vis = invFreq(theta, half);
  const sections = mode.mrope ?? [half];
  for (let s = 0; s < S; s++) {
    for (let f = 0; f < half; f++) {
      let axis = 0;
      let inv: number;
      if (mode.vision) {
        axis = f < dim / 4 ? 0 : 1;
        inv = vis[f < dim / 4 ? f : f - dim / 4]!;
      } else {
        let end = sections[0]!;
        while (f >= end) end += sections[++axis]!;
        inv = full[f]!;
      }
      const angle = Math.fround(Math.fround(pos[axis]![s]!) * inv);
      const c = roundTo(Math.cos(angle), dtype);
      const sn = roundTo(Math.sin(angle), dtype);
      cos[s * dim + f] = cos[s * dim + f + half] = c;
      sin[s * dim + f] = sin[s * dim + f + half] = sn;
    }
  }
  return { cos, sin };
}
