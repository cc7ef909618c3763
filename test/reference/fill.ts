// Oracle for fill: every element is `value` stored as dtype (floats: f64 -> f32 -> f16/bf16, the
// same single-value rule as arange and random; integers exact; bool is value != 0).
import { allocStorage, f64ToFloatStorage, isFloat, numel, type DType, type Storage } from './common.js';

export function fillElement(value: number, dtype: DType): number | bigint {
  if (isFloat(dtype)) return f64ToFloatStorage(value, dtype);
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  if (dtype === 'i64') return BigInt(value);
  return value;
}

export function fillRef(shape: readonly number[], value: number, dtype: DType): Storage {
  const n = numel(shape);
  const out = allocStorage(dtype, n);
  const e = fillElement(value, dtype);
  for (let i = 0; i < n; i++) (out as unknown as (number | bigint)[])[i] = e;
  return out;
}

/** Whether fill accepts `value` for dtype (params/fill.h: representable, like torch.full). */
export function fillRepresentable(value: number, dtype: DType): boolean {
  const finite = Number.isFinite(value);
  switch (dtype) {
    case 'f32':
      return !finite || Math.abs(value) <= 3.4028234663852886e38;
    case 'f16':
      return !finite || Math.abs(value) < 65520;
    case 'bf16':
      return !finite || Math.abs(value) < 3.3961775292304e38;
    case 'i32':
      return Number.isInteger(value) && value >= -(2 ** 31) && value <= 2 ** 31 - 1;
    case 'i64':
      return Number.isInteger(value) && Math.abs(value) <= 2 ** 53;
    case 'u8':
      return Number.isInteger(value) && value >= 0 && value <= 255;
    case 'bool':
      return value === 0 || value === 1;
  }
}
