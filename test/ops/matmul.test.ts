// matmul: batch-broadcast shapes incl. M/N/K of 1 and 0, transposed/sliced/expanded operands;
// f32 within nmse 1e-10 of fp64, f16/bf16 no more than 2x the error of a naive same-precision
// implementation (f32 products and sums, one rounding to the half type).
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, nmse, toNumbers } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { matmulNaive, matmulRef } from '../reference/matmul.js';
import { expectKernelError } from '../harness/errors.js';

const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
const EPS = 1e-10;
// CUDA may sum in another order: CPU and CUDA agree within these
const CROSS_NMSE: Record<FloatDType, number> = { f32: 1e-10, f16: 1e-6, bf16: 1e-4 };

interface Operand {
  base: number[];
  steps?: ViewStep[];
}

// [name, a, b]
const GRID: [string, Operand, Operand][] = [
  ['1x1x1', { base: [1, 1] }, { base: [1, 1] }],
  ['M=N=1: [1,5] x [5,1]', { base: [1, 5] }, { base: [5, 1] }],
  ['K=1: [5,1] x [1,7]', { base: [5, 1] }, { base: [1, 7] }],
  ['17x33x5', { base: [17, 33] }, { base: [33, 5] }],
  ['17x5x33', { base: [17, 5] }, { base: [5, 33] }],
  ['K=0: [3,0] x [0,4]', { base: [3, 0] }, { base: [0, 4] }],
  ['M=0: [0,5] x [5,3]', { base: [0, 5] }, { base: [5, 3] }],
  ['N=0: [4,5] x [5,0]', { base: [4, 5] }, { base: [5, 0] }],
  ['batch broadcast [2,1,4,6] x [3,6,5]', { base: [2, 1, 4, 6] }, { base: [3, 6, 5] }],
  ['batched a, rank-2 b: [3,4,6] x [6,5]', { base: [3, 4, 6] }, { base: [6, 5] }],
  ['rank-2 a, batched b: [4,6] x [2,3,6,5]', { base: [4, 6] }, { base: [2, 3, 6, 5] }],
  ['expanded batch [1,4,6]->[4,4,6] x [4,6,2]', { base: [1, 4, 6], steps: [['expand', 4, 4, 6]] }, { base: [4, 6, 2] }],
  ['transposed a [33,17]^T x [33,5]', { base: [33, 17], steps: [['transpose', 0, 1]] }, { base: [33, 5] }],
  ['transposed b [17,33] x [5,33]^T', { base: [17, 33] }, { base: [5, 33], steps: [['transpose', 0, 1]] }],
  ['both transposed, batched', { base: [2, 9, 7], steps: [['transpose', 1, 2]] }, { base: [2, 3, 9], steps: [['transpose', 2, 1]] }],
  ['sliced a (step 2) x sliced b (step 2)', { base: [34, 33], steps: [['slice', 0, 0, 34, 2]] }, { base: [33, 10], steps: [['slice', 1, 1, 10, 2]] }],
  ['permuted batch [4,2,3]->[2,4,3] x [3,5]', { base: [4, 2, 3], steps: [['permute', 1, 0, 2]] }, { base: [3, 5] }],
  ['K=0 batched [2,3,0] x [2,0,4]', { base: [2, 3, 0] }, { base: [2, 0, 4] }],
  ['[2,3,33,17] x [17,9]', { base: [2, 3, 33, 17] }, { base: [17, 9] }],
  ['64x257x65', { base: [64, 257] }, { base: [257, 65] }],
];

describe('matmul', () => {
  cudaNotice();

  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, a, b) => {
      const seed = 7000 + DTYPES.indexOf(dtype) * 100 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `matmul ${dtype} ${name} on ${dev}`;
          const x = makeInput(s, new Rng(seed), dtype, a.base, a.steps ?? [], dev);
          const y = makeInput(s, new Rng(seed + 1), dtype, b.base, b.steps ?? [], dev);
          const av = x.values as number[];
          const bv = y.values as number[];
          const ref = matmulRef(av, x.shape, bv, y.shape);
          const out = s.keep(ops.matmul(x.t, y.t));
          expect(out.shape, label).toEqual(ref.shape);
          expect(out.dtype, label).toBe(dtype);
          expect(out.isContiguous, label).toBe(true);
          const raw = (await out.data()) as Storage;
          const got = toNumbers(raw, dtype);
          if (x.shape[x.shape.length - 1] === 0) {
            // K = 0: the empty sum is exactly +0
            expectExact(got, new Float64Array(got.length), { label });
          } else if (dtype === 'f32') {
            expectClose(got, ref.out, { nmse: 1e-10, label });
          } else {
            const naive = matmulNaive(av, x.shape, bv, y.shape, dtype);
            const budget = 2 * nmse(naive.out, ref.out) + EPS;
            expectClose(got, ref.out, { nmse: budget, label: `${label} (naive ${dtype} nmse ${nmse(naive.out, ref.out).toExponential(2)})` });
          }
          results.set(dev, raw);
        }
        expectBackendsAgree(results, { dtype, nmse: CROSS_NMSE[dtype], label: name });
      });
    });
  });

  it('the f32 budget is tight enough to catch f16-precision accumulation', () => {
    // a kernel that accumulated in f16 would miss the f32 bound by orders of magnitude
    const r = new Rng(3);
    const k = 257;
    const av = Array.from({ length: 4 * k }, () => Math.fround(r.uniform(-4, 4)));
    const bv = Array.from({ length: k * 3 }, () => Math.fround(r.uniform(-4, 4)));
    const ref = matmulRef(av, [4, k], bv, [k, 3]).out;
    const f16 = matmulNaive(av, [4, k], bv, [k, 3], 'f16').out;
    expect(nmse(f16, ref)).toBeGreaterThan(1e-10);
    expect(nmse(matmulNaive(av, [4, k], bv, [k, 3], 'f32').out, ref)).toBeLessThan(1e-10);
  });

  it('known values: [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const dtype of DTYPES) {
          const a = s.keep(Tensor.from([1, 2, 3, 4], { shape: [2, 2], dtype, device: dev }));
          const b = s.keep(Tensor.from([5, 6, 7, 8], { shape: [2, 2], dtype, device: dev }));
          expect(Array.from((await s.keep(ops.matmul(a, b)).toArray()) as Float32Array)).toEqual([19, 22, 43, 50]);
        }
      }
    });
  });

  describe('bad input', () => {
    const expectOpError = (f: () => unknown, pats: RegExp[]) => expectKernelError(f, 'matmul', pats);
    const T = (shape: number[], dtype: 'f32' | 'f16' | 'i32' | 'bool' = 'f32', device: DeviceId = 'cpu') =>
      Tensor.from(new Array(shape.reduce((x, y) => x * y, 1)).fill(1), { shape, dtype, device });

    it('rank < 2 is rejected, naming both shapes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.matmul(s.keep(T([3], 'f32', dev)), s.keep(T([3, 4], 'f32', dev))), [/rank >= 2/, /a \[3\]/, /b \[3, 4\]/]);
          await expectOpError(() => ops.matmul(s.keep(T([2, 3], 'f32', dev)), s.keep(T([3], 'f32', dev))), [/rank >= 2/, /b \[3\]/]);
          await expectOpError(() => ops.matmul(s.keep(T([], 'f32', dev)), s.keep(T([], 'f32', dev))), [/rank >= 2/, /\[\]/]);
        }
      });
    });

    it('a K mismatch is rejected, naming both shapes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.matmul(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 5], 'f32', dev))), [/\[2, 3\]/, /received \[4, 5\]/]);
          await expectOpError(() => ops.matmul(s.keep(T([2, 2, 3], 'f32', dev)), s.keep(T([2, 2, 5], 'f32', dev))), [/\[2, 2, 3\]/, /received \[2, 2, 5\]/]);
        }
      });
    });

    it('batch dims that do not broadcast are rejected', async () => {
      await withScope(async (s) => {
        await expectOpError(() => ops.matmul(s.keep(T([2, 2, 3])), s.keep(T([3, 3, 2]))), [/batch/, /sizes 2 and 3/]);
      });
    });

    it('non-float and mismatched dtypes are rejected, naming the dtypes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.matmul(s.keep(T([2, 2], 'i32', dev)), s.keep(T([2, 2], 'i32', dev))), [/dtype/, /received i32/]);
          await expectOpError(() => ops.matmul(s.keep(T([2, 2], 'bool', dev)), s.keep(T([2, 2], 'bool', dev))), [/dtype/, /received bool/]);
          await expectOpError(() => ops.matmul(s.keep(T([2, 2], 'f32', dev)), s.keep(T([2, 2], 'f16', dev))), [/b with the dtype of a \(f32\)/, /received f16/]);
        }
      });
    });

    it('JS-type mistakes are TypeErrors naming the argument and the received value', async () => {
      await withScope((s) => {
        const t = s.keep(T([2, 2]));
        expect(() => ops.matmul(t, 3 as unknown as Tensor)).toThrowError(TypeError);
        expect(() => ops.matmul(t, 3 as unknown as Tensor)).toThrowError(/for b but received number 3/);
        expect(() => ops.matmul([[1]] as unknown as Tensor, t)).toThrowError(/for a but received an array/);
      });
    });

    it('use after dispose throws DisposedError', async () => {
      await withScope((s) => {
        const t = s.keep(T([2, 2]));
        const d = T([2, 2]);
        d.dispose();
        expect(() => ops.matmul(t, d)).toThrowError(DisposedError);
        expect(() => ops.matmul(d, t)).toThrowError(DisposedError);
      });
    });

    const other = backends().find((d) => d !== 'cpu');
    it.runIf(other)(`inputs on different devices are rejected (cpu and ${other})`, async () => {
      await withScope(async (s) => {
        await expectOpError(() => ops.matmul(s.keep(T([2, 2], 'f32', 'cpu')), s.keep(T([2, 2], 'f32', other!))), [/device/]);
      });
    });
  });
});

backendSummary();
