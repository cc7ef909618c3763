// argmax over a 151,936-token vocabulary (greedy decoding), batch 1 and 8, f32 and bf16 logits.
// Bytes: the logits read (the i64 results are negligible).
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, runner, shapeText, size, type BenchCase } from '../harness.js';

const V = 151936;

function argmax(b: number, dtype: DType): BenchCase {
  return {
    name: `argmax ${dtype} batch ${b}`,
    op: 'argmax',
    shape: shapeText([b, V]),
    bytes: b * V * size(dtype) + b * 8,
    flops: 0,
    setup(device) {
      const x = input(device, [b, V], dtype, 1, -10, 10);
      return runner(() => ops.argmax(x), [x]);
    },
  };
}

export const cases: BenchCase[] = [argmax(1, 'f32'), argmax(1, 'bf16'), argmax(8, 'f32')];
