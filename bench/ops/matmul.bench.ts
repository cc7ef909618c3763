// matmul (the reference path, see src/ops/matmul.ts) at a Qwen2-7B projection: 256 prefill tokens
// times a square 3584 weight, f32 and bf16; the decode GEMV; and a tiny case for per-call cost.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, runner, shapeText, size, type BenchCase } from '../harness.js';

function mm(label: string, m: number, k: number, n: number, dtype: DType): BenchCase {
  return {
    name: `matmul ${dtype} ${label}`,
    op: 'matmul',
    shape: shapeText([m, k], [k, n]),
    bytes: (m * k + k * n + m * n) * size(dtype), // A and B read once, C written once
    flops: 2 * m * n * k, // one multiply and one add per (m, n, k)
    setup(device) {
      const a = input(device, [m, k], dtype, 1);
      const b = input(device, [k, n], dtype, 2);
      return runner(() => ops.matmul(a, b), [a, b]);
    },
  };
}

export const cases: BenchCase[] = [
  mm('prefill 256', 256, 3584, 3584, 'f32'),
  mm('prefill 256', 256, 3584, 3584, 'bf16'),
  mm('decode', 1, 3584, 3584, 'f32'),
  mm('small', 64, 64, 64, 'f32'),
];
