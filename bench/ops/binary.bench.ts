// Elementwise add, sub, mul, div at Qwen2-7B widths (hidden 3584): a 4096-token prefill
// activation and a single decode row, f32 and bf16, plus a broadcast bias add.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

const OPS = { add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div } as const;
const SHAPES = { prefill: [4096, 3584], decode: [1, 3584] } as const;

function same(op: keyof typeof OPS, which: keyof typeof SHAPES, dtype: DType): BenchCase {
  const shape = SHAPES[which];
  const n = numel(shape);
  return {
    name: `${op} ${dtype} ${which}`,
    op,
    shape: shapeText(shape, shape),
    bytes: 3 * n * size(dtype), // two inputs read, one output written
    flops: n,
    setup(device) {
      const a = input(device, shape, dtype, 1);
      // divisors in [1, 2): no inf/NaN, no denormals that could take a slow path
      const b = op === 'div' ? input(device, shape, dtype, 2, 1, 2) : input(device, shape, dtype, 2);
      return runner(() => OPS[op](a, b), [a, b]);
    },
  };
}

const bias: BenchCase = {
  name: 'add f32 prefill + bias row (broadcast)',
  op: 'add',
  shape: shapeText([4096, 3584], [3584]),
  bytes: (2 * 4096 * 3584 + 3584) * 4,
  flops: 4096 * 3584,
  setup(device) {
    const a = input(device, [4096, 3584], 'f32', 1);
    const b = input(device, [3584], 'f32', 2);
    return runner(() => ops.add(a, b), [a, b]);
  },
};

export const cases: BenchCase[] = [
  ...(['add', 'sub', 'mul', 'div'] as const).flatMap((op) => [
    same(op, 'prefill', 'f32'),
    same(op, 'prefill', 'bf16'),
    same(op, 'decode', 'f32'),
    same(op, 'decode', 'bf16'),
  ]),
  bias,
];
