// copy of a transposed view (the strided gather behind .contiguous() after .transpose()), and of
// a contiguous tensor as the plain-memcpy reference it can be compared to.
import { ops, type Tensor } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, runner, shapeText, size, type BenchCase } from '../harness.js';

function copy(dtype: DType, transposed: boolean): BenchCase {
  const n = 4096 * 3584;
  return {
    name: `copy ${dtype} ${transposed ? 'transposed view' : 'contiguous'}`,
    op: 'copy',
    shape: transposed ? `${shapeText([3584, 4096])} (transpose of [4096, 3584])` : shapeText([4096, 3584]),
    bytes: 2 * n * size(dtype), // read once, written once
    flops: 0,
    setup(device) {
      const base = input(device, [4096, 3584], dtype);
      const x: Tensor = transposed ? base.transpose(0, 1) : base;
      return runner(() => ops.copy(x), x === base ? [base] : [x, base]);
    },
  };
}

export const cases: BenchCase[] = [copy('f32', true), copy('bf16', true), copy('f32', false)];
