// Oracle for arange: n = ceil((end - start) / step); out[i] = start + i * step in f64, stored the
// native way (floats: f64 -> f32 once, then f16/bf16; integers: truncation toward zero).
import { allocStorage, f64ToFloatStorage, isFloat, type DType, type Storage } from './common.js';

export function arangeLength(start: number, end: number, step: number): number {
  return Math.max(0, Math.ceil((end - start) / step));
}

export function arangeValues(start: number, end: number, step: number): number[] {
  const n = arangeLength(start, end, step);
  return Array.from({ length: n }, (_, i) => start + i * step);
}

export function arangeRef(start: number, end: number, step: number, dtype: DType): Storage {
  const vals = arangeValues(start, end, step);
  const out = allocStorage(dtype, vals.length);
  const o = out as unknown as (number | bigint)[];
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (isFloat(dtype)) o[i] = f64ToFloatStorage(v, dtype);
    else if (dtype === 'i64') o[i] = BigInt(Math.trunc(v));
    else o[i] = Math.trunc(v);
  }
  return out;
}
