// random_uniform and random_normal (Philox) filling a prefill-sized [4096, 3584] tensor, as for
// weight init or noise. FLOPs are declared 0: the work is integer Philox rounds (and log/sin/cos
// for normal), which the f32 FMA peak does not describe.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { numel, runner, shapeText, size, type BenchCase } from '../harness.js';

const SHAPE = [4096, 3584];

function random(op: 'random_uniform' | 'random_normal', dtype: DType): BenchCase {
  const gen = op === 'random_uniform' ? ops.randomUniform : ops.randomNormal;
  return {
    name: `${op} ${dtype}`,
    op,
    shape: shapeText(SHAPE),
    bytes: numel(SHAPE) * size(dtype), // written only
    flops: 0,
    setup: (device) => runner(() => gen(SHAPE, { seed: 1234, dtype, device }), []),
  };
}

export const cases: BenchCase[] = [
  random('random_uniform', 'f32'),
  random('random_uniform', 'bf16'),
  random('random_normal', 'f32'),
  random('random_normal', 'bf16'),
];
