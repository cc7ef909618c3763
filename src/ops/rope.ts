// Rotary position embeddings: the rotate-half application and the cos/sin tables of Qwen2 (1-D),
// Qwen2.5-VL M-RoPE (t, h, w sections) and the Qwen2.5-VL vision tower (2-D row/column).
// Numerics: native/params/rope.h.
import { type DType } from '../dtype.js';
import { invalidParameter } from '../errors.js';
import { type Tensor } from '../tensor.js';
import { checkDType, checkNumber } from './common.js';
import { runContiguous } from './nn-common.js';

/**
 * `x * cos + rotate_half(x) * sin` cast to x's dtype, rotate_half(x) = [-x[D/2:], x[:D/2]].
 * x [..., S, H, D]; cos/sin [S, D] or [..., S, D] (one table per leading index). With cos/sin in
 * x's dtype every op rounds to it (HF text path: bf16 tables); with f32 tables and a half x the
 * math is f32 with one final rounding (HF vision path). Views are copied first.
 */
export function rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return runContiguous('rope', [[x, 'x'], [cos, 'cos'], [sin, 'sin']])[0]!;
}

export interface RopeTableOptions {
  /** Rotary base (rope_theta; Qwen2.5-VL text 1e6, MiMo 640000, vision 10000). */
  theta: number;
  /** Head dim D of the table ([S, D]). */
  dim: number;
  /** M-RoPE: frequencies per positions row, summing to D/2 (Qwen2.5-VL [16, 24, 24]). */
  mropeSection?: number[];
  /** Dtype of cos/sin (computed in f32, rounded once); default f32. */
  dtype?: DType;
}

function tableAttrs(o: RopeTableOptions, withSection: boolean) {
  if (typeof o !== 'object' || o === null) throw invalidParameter('options', 'an object', o);
  const attrs: Record<string, number | number[] | string> = { theta: checkNumber(o.theta, 'theta'), dim: checkNumber(o.dim, 'dim') };
  if (withSection && o.mropeSection !== undefined) {
    if (!Array.isArray(o.mropeSection)) throw invalidParameter('mropeSection', 'an array of integers', o.mropeSection);
    attrs.mrope_section = o.mropeSection;
  }
  if (o.dtype !== undefined) attrs.dtype = checkDType(o.dtype);
  return attrs;
}

/**
 * cos/sin tables [S, D] from integer positions: [S] (Qwen2 1-D RoPE) or [A, S] with
 * `mropeSection` (M-RoPE: frequency f < D/2 uses the row of the section it falls in, chunked as
 * HF's apply_multimodal_rotary_pos_emb). Angle = f32(pos) * inv_freq in f32 as HF.
 */
export function ropeCosSin(positions: Tensor, options: RopeTableOptions): { cos: Tensor; sin: Tensor } {
  const [cos, sin] = runContiguous('rope_cos_sin', [[positions, 'positions']], tableAttrs(options, true));
  return { cos: cos!, sin: sin! };
}

/**
 * Qwen2.5-VL vision 2-D tables [S, D] from positions [2, S] (patch row, column): frequencies
 * j mod D/2 < D/4 rotate by the row, the rest by the column, inv_freq over dim D/2.
 */
export function visionRopeCosSin(positions: Tensor, options: Omit<RopeTableOptions, 'mropeSection'>): { cos: Tensor; sin: Tensor } {
  const [cos, sin] = runContiguous('vision_rope_cos_sin', [[positions, 'positions']], tableAttrs(options, false));
  return { cos: cos!, sin: sin! };
}
