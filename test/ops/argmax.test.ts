// argmax: every dim, f32/f16/bf16, ties (first index), NaN (first NaN, as PyTorch), +-inf, -0 vs
// +0, rows long enough to span many threads per block; exact indices against the oracle.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact, toNumbers } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { roundToBits, type FloatDType } from '../reference/cast.js';
import { argmaxRef } from '../reference/argmax.js';

const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
const GRID: [string, number[], number][] = [
  ['[1]', [1], 0],
  ['[7]', [7], -1],
  ['[3, 33]', [3, 33], -1],
  ['[3, 33] dim 0', [3, 33], 0],
  ['[2, 5, 9] dim 1', [2, 5, 9], 1],
  ['[4, 1000] (one block, many threads)', [4, 1000], 1],
  ['[1, 5000] decode row', [1, 5000], -1],
  ['[1, 70001] long row (split across threads)', [1, 70001], -1],
  ['[2, 3, 4, 5] dim 2', [2, 3, 4, 5], 2],
  ['[0, 4] no rows', [0, 4], 1],
];

function encode(v: number[], dtype: FloatDType): Float32Array | Uint16Array {
  return dtype === 'f32' ? Float32Array.from(v) : Uint16Array.from(v, (x) => roundToBits(Math.fround(x), dtype));
}

describe('argmax', () => {
  cudaNotice();

  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, shape, dim) => {
      const seed = 2500 + DTYPES.indexOf(dtype) * 40 + GRID.findIndex((g) => g[0] === name);
      for (const variant of ['random', 'ties', 'nan'] as const) {
        await withScope(async (s) => {
          const results = new Map<DeviceId, BigInt64Array>();
          for (const dev of backends()) {
            const label = `argmax ${dtype} ${name} ${variant} on ${dev}`;
            const r = new Rng(seed);
            const n = shape.reduce((a, b) => a * b, 1);
            // ties: few distinct values so that the maximum repeats; nan: a few NaNs sprinkled in
            const vals = Array.from({ length: n }, () => (variant === 'ties' ? r.int(-2, 3) : r.uniform(-4, 4)));
            if (variant === 'nan') for (let i = n > 10000 ? 40000 : 0; i < n; i += 1 + r.int(0, 40)) if (r.next() < 0.5) vals[i] = NaN;
            const x = makeInput(s, r, dtype, shape, [], dev, {}, encode(vals, dtype));
            const values = toNumbers(x.storage as number[], dtype);
            const d = dim < 0 ? dim + shape.length : dim;
            const out = s.keep(ops.argmax(x.t, dim));
            expect(out.dtype, label).toBe('i64');
            expect(out.shape, label).toEqual(shape.filter((_, i) => i !== d));
            const got = (await out.data()) as BigInt64Array;
            expectExact(got, argmaxRef(values, shape, d).map(BigInt), { label });
            results.set(dev, got);
          }
          expectBackendsAgree(results, { label: `${name} ${variant}` });
        });
      }
    });
  });

  it('PyTorch cases: first of equal maxima, first NaN, -inf rows, -0 and +0 equal, +inf', async () => {
    await withScope(async (s) => {
      const rows = [
        [1, 3, 3, 2],
        [NaN, 5, NaN, 1],
        [1, 2, NaN, 9],
        [-Infinity, -Infinity, -Infinity, -Infinity],
        [-0, 0, -0, -1],
        [0, -0, 0, -1],
        [1, Infinity, 7, Infinity],
        [-5, -Infinity, -4.5, -4.5],
      ];
      const want = [1n, 0n, 2n, 0n, 0n, 0n, 1n, 2n];
      for (const dev of backends()) {
        for (const dtype of DTYPES) {
          const x = s.keep(Tensor.from(encode(rows.flat(), dtype), { shape: [rows.length, 4], dtype, device: dev }));
          expectExact((await s.keep(ops.argmax(x)).data()) as BigInt64Array, want, { label: `${dtype} on ${dev}` });
          // the same along dim 0 of the transpose (the column kernel)
          const xt = s.keep(x.transpose(0, 1));
          expectExact((await s.keep(ops.argmax(xt, 0)).data()) as BigInt64Array, want, { label: `${dtype} dim 0 on ${dev}` });
        }
      }
    });
  });

  describe('bad input', () => {
    it('names the argument, the expected and the received value', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const x = s.keep(Tensor.from([1, 2, 3, 4], { shape: [2, 2], device: dev }));
          expect(() => ops.argmax(x, 2)).toThrowError(/argmax: expected dim in \[-2, 1\], received 2/);
          expect(() => ops.argmax(s.keep(Tensor.from([1, 2], { dtype: 'i32', device: dev })))).toThrowError(/argmax: expected x with dtype one of f32, f16, bf16, received i32/);
          expect(() => ops.argmax(s.keep(Tensor.from([], { shape: [2, 0], device: dev })))).toThrowError(KernelError);
          expect(() => ops.argmax(s.keep(Tensor.from([], { shape: [2, 0], device: dev })))).toThrowError(/expected x.shape\[1\] >= 1/);
          expect(() => ops.argmax(s.keep(Tensor.from([1], { shape: [], device: dev })))).toThrowError(/expected x of rank >= 1, received a scalar/);
          expect(() => ops.argmax(x, '1' as never)).toThrowError(/for dim but received string 1/);
        }
      });
    });
  });
});

backendSummary();
