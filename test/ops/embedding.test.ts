// embedding: ids (i32/i64, any shape incl. empty and rank 0) x tables of every element size,
// contiguous and strided, compared word for word with the F.embedding oracle on every backend;
// out-of-range ids rejected at the call (host ids) or at the next sync (tensor ids), never read.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { expectRunFailure } from '../harness/failure.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { type DType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { embeddingRef } from '../reference/gather.js';

const DTYPES: DType[] = ['f32', 'bf16', 'f16', 'i64', 'u8'];

// [name, ids shape, V, D, table view steps (on a base of [V, D] or its transpose)]
const GRID: [string, number[], number, number, ViewStep[]][] = [
  ['one id, 1x1 table', [1], 1, 1, []],
  ['7 ids, [11, 7]', [7], 11, 7, []],
  ['[3, 5] ids, [50, 33]', [3, 5], 50, 33, []],
  ['rank-0 id', [], 9, 16, []],
  ['empty ids [2, 0]', [2, 0], 9, 16, []],
  ['D = 0', [4], 6, 0, []],
  ['transposed table view', [6], 8, 5, [['transpose', 0, 1]]],
  ['strided rows (every 2nd row)', [5], 7, 24, [['slice', 0, 0, 14, 2]]],
  ['wide rows [9, 3584] (vectorised path)', [2, 3], 9, 3584, []],
  ['odd row length 257', [12], 20, 257, []],
];

function tableBase(v: number, d: number, steps: ViewStep[]): number[] {
  if (steps[0]?.[0] === 'transpose') return [d, v];
  if (steps[0]?.[0] === 'slice') return [v * 2, d];
  return [v, d];
}

describe('embedding', () => {
  cudaNotice();

  describe.each(DTYPES)('%s table', (dtype) => {
    it.each(GRID)('%s', async (name, idsShape, v, d, steps) => {
      const seed = 900 + DTYPES.indexOf(dtype) * 50 + GRID.findIndex((g) => g[0] === name);
      for (const idType of ['i32', 'i64'] as const) {
        await withScope(async (s) => {
          const r = new Rng(seed);
          const nIds = idsShape.reduce((a, b) => a * b, 1);
          const ids = Array.from({ length: nIds }, () => r.int(0, v));
          const results = new Map<DeviceId, Storage>();
          for (const dev of backends()) {
            const label = `embedding ${dtype} ${name} ids ${idType} on ${dev}`;
            const table = makeInput(s, new Rng(seed + 1), dtype, tableBase(v, d, steps), steps, dev);
            expect(table.shape, label).toEqual([v, d]);
            const idT = s.keep(Tensor.from(idType === 'i32' ? Int32Array.from(ids) : BigInt64Array.from(ids, BigInt), { shape: idsShape, dtype: idType, device: dev }));
            const out = s.keep(ops.embedding(idT, table.t));
            expect(out.shape, label).toEqual([...idsShape, d]);
            expect(out.dtype, label).toBe(dtype);
            const got = (await out.data()) as Storage;
            expectExact(got, embeddingRef(table.storage, v, d, ids), { label });
            // host ids give the same rows
            const viaHost = s.keep(ops.embedding(ids, table.t));
            expectExact((await viaHost.data()) as Storage, embeddingRef(table.storage, v, d, ids), { label: `${label} (host ids)` });
            results.set(dev, got);
          }
          expectBackendsAgree(results, { dtype, label: name });
        });
      }
    });
  });

  it('the Qwen2 shape: 64 ids into a [151936, 64] bf16 slice of rows (first, last, repeated ids)', async () => {
    await withScope(async (s) => {
      const v = 151936;
      const ids = [0, v - 1, 5, 5, 151935, 77777, ...Array.from({ length: 58 }, (_, i) => (i * 2621) % v)];
      for (const dev of backends()) {
        const table = s.keep(ops.randomUniform([v, 64], { seed: 3, dtype: 'bf16', device: dev }));
        const all = (await table.data()) as Uint16Array;
        const got = (await s.keep(ops.embedding(ids, table)).data()) as Uint16Array;
        expectExact(got, embeddingRef(Array.from(all), v, 64, ids), { dtype: 'bf16', label: dev });
      }
    });
  });

  describe('out-of-range ids', () => {
    it('host ids: KernelError at the call naming the position and value, nothing enqueued', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const table = s.keep(Tensor.from(new Float32Array(12).fill(1.5), { shape: [4, 3], device: dev }));
          for (const [ids, pat] of [
            [[0, 4, 1], /ids\[1\]/],
            [[-1], /received -1 at ids\[0\]/],
            [BigInt64Array.from([1n, 2n, 2n ** 40n]), /received 1099511627776 at ids\[2\]/],
          ] as const) {
            let err: unknown;
            try {
              ops.embedding(ids as never, table).dispose();
            } catch (e) {
              err = e;
            }
            expect(err, dev).toBeInstanceOf(KernelError);
            expect((err as KernelError).code).toBe('INVALID_ARGUMENT');
            expect((err as KernelError).op).toBe('embedding');
            expect((err as KernelError).message).toMatch(/expected ids values in \[0, 4\)/);
            expect((err as KernelError).message).toMatch(pat);
          }
          expect(() => ops.embedding([1.5], table)).toThrowError(/for ids\[0\] but received number 1.5/);
        }
      });
    });

    it('tensor ids: the op fails at the next sync with the first bad position; the device keeps working', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const table = s.keep(Tensor.from(Float32Array.from({ length: 40 }, (_, i) => i + 0.5), { shape: [10, 4], device: dev }));
          for (const idType of ['i32', 'i64'] as const) {
            const bad = s.keep(Tensor.from([3, 9, 10, 2, -7, 10], { dtype: idType, shape: [2, 3], device: dev }));
            const out = s.keep(ops.embedding(bad, table));
            await expectRunFailure(dev, out, 'embedding', [/expected ids values in \[0, 10\)/, /received 10 at ids\[2\]/]);
            const neg = s.keep(Tensor.from([1, -1], { dtype: idType, device: dev }));
            await expectRunFailure(dev, s.keep(ops.embedding(neg, table)), 'embedding', [/received -1 at ids\[1\]/]);
            // the device works on: a valid call right after
            const ok = s.keep(ops.embedding(s.keep(Tensor.from([9, 0], { dtype: idType, device: dev })), table));
            expect(Array.from((await ok.toArray()) as Float32Array)).toEqual([36.5, 37.5, 38.5, 39.5, 0.5, 1.5, 2.5, 3.5]);
          }
        }
      });
    });
  });

  describe('bad input', () => {
    it('non-integer ids, a table that is not [V, D], ids on another device', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const table = s.keep(Tensor.from(new Float32Array(12).fill(1), { shape: [4, 3], device: dev }));
          const fids = s.keep(Tensor.from([1, 2], { dtype: 'f32', device: dev }));
          expect(() => ops.embedding(fids, table)).toThrowError(/embedding: expected ids with dtype i32 or i64, received f32/);
          const t1 = s.keep(Tensor.from([1, 2, 3], { device: dev }));
          expect(() => ops.embedding([0], t1)).toThrowError(KernelError);
          expect(() => ops.embedding(s.keep(Tensor.from([0], { dtype: 'i32', device: dev })), t1)).toThrowError(/expected table of shape \[V, D\], received \[3\]/);
          const empty = s.keep(Tensor.from([], { shape: [0, 3], device: dev }));
          expect(() => ops.embedding(s.keep(Tensor.from([0], { dtype: 'i32', device: dev })), empty)).toThrowError(/at least one row/);
        }
        const other = backends().find((d) => d !== 'cpu');
        if (other) {
          const table = s.keep(Tensor.from(new Float32Array(12).fill(1), { shape: [4, 3], device: other }));
          const ids = s.keep(Tensor.from([1], { dtype: 'i32', device: 'cpu' }));
          expect(() => ops.embedding(ids, table)).toThrowError(/embedding: expected table on the same device as ids/);
        }
        expect(() => ops.embedding([0], 'x' as never)).toThrowError(/for table but received string x/);
      });
    });
  });
});

backendSummary();
