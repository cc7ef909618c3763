// The PyTorch fixture of the nn ops (test/fixtures/nn/hf-numerics.json, written by
// tools/make-nn-fixtures.py): HF transformers' Qwen2 / Qwen2.5-VL numerics computed by PyTorch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, type DeviceId } from '../../src/index.js';
import { toNumbers } from './compare.js';

export interface FixtureTensor {
  dtype: 'bf16' | 'f32' | 'i64';
  shape: number[];
  data: (number | string)[]; // f32 NaN / infinities as strings (JSON has no literal for them)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Fixture = Record<string, any>;

let cached: Fixture | undefined;
export function hfFixture(): Fixture {
  cached ??= JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'nn', 'hf-numerics.json'), 'utf8')) as Fixture;
  return cached;
}

/** The fixture tensor on `device` (bf16 from its bits, i64 as BigInts). */
export function fixtureTensor(f: FixtureTensor, device: DeviceId): Tensor {
  if (f.dtype === 'i64') return Tensor.from(BigInt64Array.from(f.data.map((v) => BigInt(v))), { shape: f.shape, dtype: 'i64', device });
  if (f.dtype === 'bf16') return Tensor.from(Uint16Array.from(f.data.map(Number)), { shape: f.shape, dtype: 'bf16', device });
  return Tensor.from(Float32Array.from(f.data.map(Number)), { shape: f.shape, dtype: 'f32', device });
}

/** The fixture tensor's values as numbers (bf16 decoded). */
export function fixtureValues(f: FixtureTensor): Float64Array {
  return f.dtype === 'bf16' ? toNumbers(Uint16Array.from(f.data.map(Number)), 'bf16') : Float64Array.from(f.data.map(Number));
}
