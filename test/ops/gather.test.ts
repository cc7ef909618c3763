// index_select, gather and scatter_rows: case grids over dims, index dtypes, element sizes and
// views, word-exact against the PyTorch-definition oracles on every backend; duplicate rows in
// scatter_rows resolve to the last writer everywhere; out-of-range indices fail at the call
// (host indices) or at the next sync (tensor indices, also on cuda-emu), never read.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { expectRunFailure } from '../harness/failure.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { type DType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { gatherRef, indexSelectRef, scatterRowsRef } from '../reference/gather.js';

const DTYPES: DType[] = ['f32', 'bf16', 'i64', 'u8'];
const idx = (vals: number[], dtype: 'i32' | 'i64', dev: DeviceId, shape?: number[]) =>
  Tensor.from(dtype === 'i32' ? Int32Array.from(vals) : BigInt64Array.from(vals, BigInt), { dtype, device: dev, shape: shape ?? [vals.length] });

describe('index_select', () => {
  cudaNotice();
  // [name, x shape, dim, index count]
  const GRID: [string, number[], number, number][] = [
    ['[5] dim 0', [5], 0, 3],
    ['[6, 7] dim 0 (rows)', [6, 7], 0, 9],
    ['[6, 7] dim 1 (columns)', [6, 7], 1, 4],
    ['[6, 7] dim -1', [6, 7], -1, 2],
    ['[3, 4, 5] dim 1', [3, 4, 5], 1, 6],
    ['[2, 3, 4, 33] dim 2', [2, 3, 4, 33], 2, 5],
    ['empty index', [4, 3], 0, 0],
    ['size-1 dim', [1, 8], 0, 3],
    ['[16, 1280] window reorder (permutation)', [16, 1280], 0, 16],
  ];
  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, shape, dim, n) => {
      const seed = 1200 + DTYPES.indexOf(dtype) * 40 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const r = new Rng(seed);
        const d = dim < 0 ? dim + shape.length : dim;
        const index = name.includes('permutation') ? [...Array(n).keys()].sort(() => r.next() - 0.5) : Array.from({ length: n }, () => r.int(0, shape[d]!));
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          for (const it of ['i32', 'i64'] as const) {
            const label = `index_select ${dtype} ${name} ${it} on ${dev}`;
            const x = makeInput(s, new Rng(seed + 1), dtype, shape, [], dev);
            const ref = indexSelectRef(x.storage, shape, d, index);
            const out = s.keep(ops.indexSelect(x.t, dim, s.keep(idx(index, it, dev))));
            expect(out.shape, label).toEqual(ref.shape);
            const got = (await out.data()) as Storage;
            expectExact(got, ref.out, { label });
            expectExact((await s.keep(ops.indexSelect(x.t, dim, index)).data()) as Storage, ref.out, { label: `${label} (host index)` });
            results.set(dev, got);
          }
        }
        expectBackendsAgree(results, { dtype, label: name });
      });
    });
  });

  it('a non-contiguous x is copied first', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = makeInput(s, new Rng(5), 'f32', [5, 6], [['transpose', 0, 1]], dev);
        const ref = indexSelectRef(x.storage, [6, 5], 1, [4, 0, 4]);
        expectExact((await s.keep(ops.indexSelect(x.t, 1, [4, 0, 4])).data()) as Storage, ref.out, { label: dev });
      }
    });
  });
});

describe('gather', () => {
  // [name, x base shape, x view steps, dim, index shape]
  const GRID: [string, number[], ViewStep[], number, number[]][] = [
    ['[7] dim 0', [7], [], 0, [10]],
    ['[4, 6] dim 1', [4, 6], [], 1, [4, 9]],
    ['[4, 6] dim 0', [4, 6], [], 0, [3, 6]],
    ['[4, 6] dim 1, smaller index', [4, 6], [], 1, [2, 3]],
    ['[3, 4, 5] dim 2', [3, 4, 5], [], 2, [3, 4, 2]],
    ['[3, 4, 5] dim 1', [3, 4, 5], [], 1, [2, 7, 5]],
    ['transposed x [6, 4]^T dim 1', [6, 4], [['transpose', 0, 1]], 1, [4, 5]],
    ['sliced x dim 0', [9, 5], [['slice', 0, 1, 9, 2]], 0, [6, 5]],
    ['empty index', [4, 6], [], 1, [4, 0]],
  ];
  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, base, steps, dim, ishape) => {
      const seed = 1500 + DTYPES.indexOf(dtype) * 40 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          for (const it of ['i32', 'i64'] as const) {
            const label = `gather ${dtype} ${name} ${it} on ${dev}`;
            const x = makeInput(s, new Rng(seed), dtype, base, steps, dev);
            const r = new Rng(seed + 2);
            const n = ishape.reduce((a, b) => a * b, 1);
            const index = Array.from({ length: n }, () => r.int(0, x.shape[dim]!));
            const out = s.keep(ops.gather(x.t, dim, s.keep(idx(index, it, dev, ishape))));
            expect(out.shape, label).toEqual(ishape);
            const got = (await out.data()) as Storage;
            expectExact(got, gatherRef(x.storage, x.shape, dim, index, ishape), { label });
            results.set(dev, got);
          }
        }
        expectBackendsAgree(results, { dtype, label: name });
      });
    });
  });
});

describe('scatter_rows', () => {
  // [name, x shape, n src rows, duplicates]
  const GRID: [string, number[], number, boolean][] = [
    ['[6, 4] <- 2 rows', [6, 4], 2, false],
    ['[10, 3, 5] <- 4 blocks', [10, 3, 5], 4, false],
    ['[1, 7] <- 1 row', [1, 7], 1, false],
    ['no src rows', [5, 3], 0, false],
    ['duplicates: last wins', [6, 8], 9, true],
    ['[40, 3584] image tokens <- 16 patches', [40, 3584], 16, false],
    ['[5] scalars', [5], 3, true],
  ];
  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, shape, n, dup) => {
      const seed = 1800 + DTYPES.indexOf(dtype) * 40 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const r = new Rng(seed);
        const rows = shape[0]!;
        const index = dup ? Array.from({ length: n }, () => r.int(0, Math.min(rows, 2))) : [...Array(rows).keys()].sort(() => r.next() - 0.5).slice(0, n);
        if (dup) expect(new Set(index).size).toBeLessThan(index.length);
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          for (const it of ['i32', 'i64'] as const) {
            const label = `scatter_rows ${dtype} ${name} ${it} on ${dev}`;
            const x = makeInput(s, new Rng(seed + 1), dtype, shape, [], dev);
            const src = makeInput(s, new Rng(seed + 2), dtype, [n, ...shape.slice(1)], [], dev);
            const ref = scatterRowsRef(x.storage, rows, index, src.storage);
            const out = s.keep(ops.scatterRows(x.t, s.keep(idx(index, it, dev)), src.t));
            expect(out.shape, label).toEqual(shape);
            const got = (await out.data()) as Storage;
            expectExact(got, ref, { label });
            // x itself is not modified
            expectExact((await x.t.data()) as Storage, x.storage, { label: `${label}: x unchanged` });
            expectExact((await s.keep(ops.scatterRows(x.t, index, src.t)).data()) as Storage, ref, { label: `${label} (host index)` });
            results.set(dev, got);
          }
        }
        expectBackendsAgree(results, { dtype, label: name });
      });
    });
  });

  it('duplicates: the value written is the one of the last index naming the row, many threads racing', async () => {
    await withScope(async (s) => {
      const n = 3000;
      const index = Array.from({ length: n }, (_, i) => i % 3);
      const src = Float32Array.from({ length: n * 2 }, (_, i) => i);
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(new Float32Array(8).fill(-1), { shape: [4, 2], device: dev }));
        const out = s.keep(ops.scatterRows(x, index, s.keep(Tensor.from(src, { shape: [n, 2], device: dev }))));
        // rows 0, 1, 2 take src rows 2997, 2998, 2999; row 3 keeps x
        expect(Array.from((await out.toArray()) as Float32Array), dev).toEqual([5994, 5995, 5996, 5997, 5998, 5999, -1, -1]);
      }
    });
  });
});

describe('out-of-range indices', () => {
  it('host indices: KernelError at the call', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(new Float32Array(12).fill(2), { shape: [3, 4], device: dev }));
        expect(() => ops.indexSelect(x, 1, [0, 4])).toThrowError(/index_select: expected index values in \[0, 4\), received 4 at index\[1\]/);
        expect(() => ops.indexSelect(x, 0, [-1])).toThrowError(KernelError);
        expect(() => ops.scatterRows(x, [3], s.keep(x.slice(0, 0, 1)))).toThrowError(/scatter_rows: expected index values in \[0, 3\), received 3 at index\[0\]/);
      }
    });
  });

  it('tensor indices: the op fails at the next sync naming the first bad position; nothing is read out of range', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(Float32Array.from({ length: 12 }, (_, i) => i), { shape: [3, 4], device: dev }));
        for (const it of ['i32', 'i64'] as const) {
          await expectRunFailure(dev, s.keep(ops.indexSelect(x, 1, s.keep(idx([0, 1, 4, 9], it, dev)))), 'index_select', [/\[0, 4\)/, /received 4 at index\[2\]/]);
          await expectRunFailure(dev, s.keep(ops.indexSelect(x, 0, s.keep(idx([2, -2], it, dev)))), 'index_select', [/received -2 at index\[1\]/]);
          await expectRunFailure(dev, s.keep(ops.gather(x, 1, s.keep(idx([0, 1, 2, 3, 0, 4], it, dev, [2, 3])))), 'gather', [/received 4 at index\[5\]/]);
          await expectRunFailure(dev, s.keep(ops.gather(x, 0, s.keep(idx([0, 3], it, dev, [1, 2])))), 'gather', [/\[0, 3\)/, /received 3 at index\[1\]/]);
          const src = s.keep(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], { shape: [2, 4], device: dev }));
          await expectRunFailure(dev, s.keep(ops.scatterRows(x, s.keep(idx([1, 7], it, dev)), src)), 'scatter_rows', [/received 7 at index\[1\]/]);
        }
        // nothing to copy (no outer rows), the index is still checked
        const empty = s.keep(Tensor.from([], { shape: [0, 4], device: dev }));
        await expectRunFailure(dev, s.keep(ops.indexSelect(empty, 1, s.keep(idx([1, 4], 'i64', dev)))), 'index_select', [/received 4 at index\[1\]/]);
        const ok = s.keep(ops.indexSelect(x, 1, s.keep(idx([3], 'i32', dev))));
        expect(Array.from((await ok.toArray()) as Float32Array)).toEqual([3, 7, 11]);
      }
    });
  });
});

describe('bad input', () => {
  it('names the argument, the expected and the received value', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(new Float32Array(12).fill(1), { shape: [3, 4], device: dev }));
        const i2 = s.keep(idx([0, 1, 0, 1], 'i32', dev, [2, 2]));
        expect(() => ops.indexSelect(x, 2, [0])).toThrowError(/index_select: expected dim in \[-2, 1\], received 2/);
        expect(() => ops.indexSelect(x, 0, i2)).toThrowError(/expected index of rank 1, received shape \[2, 2\]/);
        expect(() => ops.indexSelect(x, 0, s.keep(Tensor.from([0], { device: dev })))).toThrowError(/expected index with dtype i32 or i64, received f32/);
        expect(() => ops.gather(x, 0, s.keep(idx([0], 'i32', dev)))).toThrowError(/gather: expected index of the rank of x \(2\), received shape \[1\]/);
        expect(() => ops.gather(x, 1, s.keep(idx([0, 0, 0, 0, 0, 0, 0, 0], 'i32', dev, [4, 2])))).toThrowError(/expected index.shape\[0\] <= 3/);
        expect(() => ops.gather(x, 1, [0] as never)).toThrowError(/for index but received an array/);
        const src = s.keep(Tensor.from(new Float32Array(5).fill(1), { shape: [1, 5], device: dev }));
        expect(() => ops.scatterRows(x, [0], src)).toThrowError(/scatter_rows: expected src of shape \[1, 4\]/);
        const srcI = s.keep(Tensor.from([1, 2, 3, 4], { shape: [1, 4], dtype: 'i32', device: dev }));
        expect(() => ops.scatterRows(x, [0], srcI)).toThrowError(/expected src with the dtype of x \(f32\), received i32/);
        expect(() => ops.indexSelect(x, 0.5, [0])).toThrowError(/for dim but received number 0.5/);
      }
    });
  });
});

backendSummary();
