// fill (zeros/ones are fill): a prefill-sized buffer in f32 and bf16, and a decode row.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function fill(dtype: DType, shape: number[], label: string): BenchCase {
  return {
    name: `fill ${dtype} ${label}`,
    op: 'fill',
    shape: shapeText(shape),
    bytes: numel(shape) * size(dtype), // written only
    flops: 0,
    setup: (device) => runner(() => ops.fill(shape, 1.5, { dtype, device }), []),
  };
}

export const cases: BenchCase[] = [
  fill('f32', [4096, 3584], 'prefill'),
  fill('bf16', [4096, 3584], 'prefill'),
  fill('f32', [1, 3584], 'decode'),
];
