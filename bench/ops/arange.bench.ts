// arange: position ids for a 4096-token prompt (i64, i32) and a large f32 ramp.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { runner, shapeText, size, type BenchCase } from '../harness.js';

function arange(dtype: DType, n: number, label: string): BenchCase {
  return {
    name: `arange ${dtype} ${label}`,
    op: 'arange',
    shape: shapeText([n]),
    bytes: n * size(dtype), // written only
    flops: 2 * n, // start + i * step per element (in f64)
    setup: (device) => runner(() => ops.arange(0, n, { dtype, device }), []),
  };
}

export const cases: BenchCase[] = [
  arange('i64', 4096, 'position ids'),
  arange('i32', 4096, 'position ids'),
  arange('f32', 4096 * 3584, 'prefill-sized'),
];
