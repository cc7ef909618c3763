// concat: N inputs (1..5, some empty) along every dim, every element size, views copied first,
// word-exact against the torch.cat oracle on every backend.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { type DType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { concatRef } from '../reference/gather.js';

const DTYPES: DType[] = ['f32', 'bf16', 'i64', 'u8', 'bool'];

// [name, dim, input shapes, view steps per input (transpose: base is the transposed shape)]
const GRID: [string, number, number[][], ViewStep[][]?][] = [
  ['one input', 0, [[3, 4]]],
  ['two [3, 4] along 0', 0, [[3, 4], [2, 4]]],
  ['along 1', 1, [[3, 4], [3, 1], [3, 6]]],
  ['along -1 of rank 3', -1, [[2, 3, 5], [2, 3, 2]]],
  ['middle dim of rank 4', 2, [[2, 2, 3, 5], [2, 2, 1, 5], [2, 2, 4, 5]]],
  ['with empty inputs', 0, [[0, 4], [3, 4], [0, 4], [1, 4]]],
  ['rank 1, five inputs', 0, [[1], [7], [2], [33], [5]]],
  ['all empty', 1, [[2, 0], [2, 0]]],
  ['odd byte runs along 1', 1, [[5, 3], [5, 7]]],
  ['text + image tokens [n, 3584] along 0', 0, [[5, 3584], [16, 3584], [3, 3584]]],
  ['a transposed and a sliced view', 1, [[4, 3], [4, 5]], [[['transpose', 0, 1]], [['slice', 1, 0, 10, 2]]]],
];

function baseOf(shape: number[], steps: ViewStep[] | undefined): number[] {
  if (!steps?.length) return shape;
  if (steps[0]![0] === 'transpose') return [shape[1]!, shape[0]!];
  return [shape[0]!, shape[1]! * 2];
}

describe('concat', () => {
  cudaNotice();

  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, dim, shapes, steps) => {
      const seed = 2100 + DTYPES.indexOf(dtype) * 40 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `concat ${dtype} ${name} on ${dev}`;
          const inputs = shapes.map((sh, i) => makeInput(s, new Rng(seed + i), dtype, baseOf(sh, steps?.[i]), steps?.[i] ?? [], dev));
          inputs.forEach((x, i) => expect(x.shape, label).toEqual(shapes[i]));
          const d = dim < 0 ? dim + shapes[0]!.length : dim;
          const ref = concatRef(inputs.map((x) => ({ values: x.storage, shape: x.shape })), d);
          const out = s.keep(ops.concat(inputs.map((x) => x.t), dim));
          expect(out.shape, label).toEqual(ref.shape);
          expect(out.dtype, label).toBe(dtype);
          const got = (await out.data()) as Storage;
          expectExact(got, ref.out, { label });
          results.set(dev, got);
        }
        expectBackendsAgree(results, { dtype, label: name });
      });
    });
  });

  it('two 8 MB halves along dim 0 (split across threads / blocks)', async () => {
    await withScope(async (s) => {
      for (const dev of backends().filter((d) => d !== 'cuda-emu')) {
        const a = s.keep(ops.randomUniform([1024, 2048], { seed: 1, device: dev }));
        const b = s.keep(ops.randomUniform([1024, 2048], { seed: 2, device: dev }));
        const out = (await s.keep(ops.concat([a, b])).data()) as Float32Array;
        const av = (await a.data()) as Float32Array;
        const bv = (await b.data()) as Float32Array;
        expectExact(out.subarray(0, av.length), av, { label: `${dev} first half` });
        expectExact(out.subarray(av.length), bv, { label: `${dev} second half` });
      }
    });
  });

  describe('bad input', () => {
    it('names the argument, the expected and the received value', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const a = s.keep(Tensor.from(new Float32Array(6).fill(1), { shape: [2, 3], device: dev }));
          const b = s.keep(Tensor.from(new Float32Array(8).fill(1), { shape: [2, 4], device: dev }));
          const c = s.keep(Tensor.from(new Int32Array(6).fill(1), { shape: [2, 3], device: dev }));
          const r1 = s.keep(Tensor.from([1, 2, 3], { device: dev }));
          expect(() => ops.concat([a, b], 0)).toThrowError(/concat: expected tensors\[1\] to match tensors\[0\] \[2, 3\] except in dim 0, received \[2, 4\]/);
          expect(() => ops.concat([a, c], 0)).toThrowError(/expected tensors\[1\] with the dtype of tensors\[0\] \(f32\), received i32/);
          expect(() => ops.concat([a, r1], 0)).toThrowError(/received \[3\]/);
          expect(() => ops.concat([a, b], 2)).toThrowError(/concat: expected dim in \[-2, 1\], received 2/);
          expect(() => ops.concat([], 0)).toThrowError(KernelError);
          expect(() => ops.concat([], 0)).toThrowError(/at least 1 tensor input, received 0/);
          expect(() => ops.concat([a, 3 as never])).toThrowError(/for tensors\[1\] but received number 3/);
          expect(() => ops.concat(a as never)).toThrowError(/for tensors but received Tensor/);
        }
        const other = backends().find((d) => d !== 'cpu');
        if (other) {
          const a = s.keep(Tensor.from([1], { device: 'cpu' }));
          const b = s.keep(Tensor.from([1], { device: other }));
          expect(() => ops.concat([a, b])).toThrowError(/expected tensors\[1\] on the same device as tensors\[0\]/);
        }
      });
    });
  });
});

backendSummary();
