// cast between the dtypes a bf16 model meets: f32 activations to bf16 and back, prefill and decode.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function cast(from: DType, to: DType, shape: number[], label: string): BenchCase {
  const n = numel(shape);
  return {
    name: `cast ${from}->${to} ${label}`,
    op: 'cast',
    shape: shapeText(shape),
    bytes: n * (size(from) + size(to)),
    flops: 0, // a conversion, not arithmetic
    setup(device) {
      const x = input(device, shape, from);
      return runner(() => ops.cast(x, to), [x]);
    },
  };
}

export const cases: BenchCase[] = [
  cast('f32', 'bf16', [4096, 3584], 'prefill'),
  cast('bf16', 'f32', [4096, 3584], 'prefill'),
  cast('f32', 'bf16', [1, 3584], 'decode'),
];
