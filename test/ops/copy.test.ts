// copy (and Tensor.contiguous / Tensor.clone, which run it): strided views of every dtype to
// contiguous storage, compared byte for byte (NaN payloads included) with a TS strided gather.
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, ops, supports, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { bytesOf, expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope, type Scope } from '../harness/guard.js';
import { Rng, applyTensorSteps, randomStorage } from '../harness/random.js';
import { ALL_DTYPES, type DType, type Storage } from '../reference/cast.js';
import { applySteps, contiguousView, gather, numel, type ViewStep } from '../reference/copy.js';

/** Random storage whose float words are arbitrary bit patterns (NaN payloads, subnormals, -0 ...). */
function wordStorage(d: DType, n: number, r: Rng): Storage {
  if (d === 'f32') {
    const w = new Uint32Array(n);
    for (let i = 0; i < n; i++) w[i] = r.u32() || 1;
    return new Float32Array(w.buffer);
  }
  if (d === 'f16' || d === 'bf16') return Uint16Array.from({ length: n }, () => r.u32() % 0xffff + 1);
  return randomStorage(d, n, r);
}

/** The same elements as integers, so that gathering never touches a float (and its NaN bits). */
function words(s: Storage): ArrayLike<number | bigint> {
  if (s instanceof Float32Array) return new Uint32Array(s.buffer, s.byteOffset, s.length);
  return s;
}

const VIEWS: [string, number[], ViewStep[]][] = [
  ['contiguous [7, 33]', [7, 33], []],
  ['rank 0', [], []],
  ['size 1 [1, 1, 1]', [1, 1, 1], []],
  ['empty [0, 4]', [0, 4], []],
  ['empty [4, 0] transposed', [4, 0], [['transpose', 0, 1]]],
  ['empty by slicing [5]', [5], [['slice', 0, 2, 2, 1]]],
  ['[7, 33] transposed', [7, 33], [['transpose', 0, 1]]],
  ['[257] step 3', [257], [['slice', 0, 0, 257, 3]]],
  ['[257] from 1 step 2', [257], [['slice', 0, 1, 257, 2]]],
  ['[2, 3, 4, 5] permuted', [2, 3, 4, 5], [['permute', 3, 1, 0, 2]]],
  ['[1, 33] expanded to [7, 33]', [1, 33], [['expand', 7, 33]]],
  ['[3, 1, 5] expanded to [2, 3, 4, 5]', [3, 1, 5], [['expand', 2, 3, 4, 5]]],
  ['[6, 10] sliced then transposed', [6, 10], [['slice', 1, 1, 9, 3], ['transpose', 0, 1]]],
  ['[9, 8, 7] two slices then permuted', [9, 8, 7], [['slice', 0, 1, 8, 2], ['slice', 2, -5, -1, 1], ['permute', 2, 0, 1]]],
  ['[4, 4] last row (offset view)', [4, 4], [['slice', 0, 3, 4, 1]]],
  ['[1] expanded to [33]', [1], [['expand', 33]]],
  ['[300, 301] transposed (multi-threaded)', [300, 301], [['transpose', 0, 1]]],
  // transpose-like views take the tiled path (CPU 64 x 64 tiles, CUDA 32 x 32): partial tiles, planes, slices
  ['[33, 65] transposed (partial tiles)', [33, 65], [['transpose', 0, 1]]],
  ['[3, 40, 70] last two dims transposed (3 planes)', [3, 40, 70], [['transpose', 1, 2]]],
  ['[50, 3, 37] permuted to [3, 37, 50]', [50, 3, 37], [['permute', 1, 2, 0]]],
  ['[80, 33] every 2nd row, transposed', [80, 33], [['slice', 0, 0, 80, 2], ['transpose', 0, 1]]],
  ['[2, 64, 48] dims 0 and 2 swapped', [2, 64, 48], [['transpose', 0, 2]]],
  ['[2, 3, 40, 36] two plane dims, last two swapped', [2, 3, 40, 36], [['permute', 1, 0, 3, 2]]],
];

type Via = 'ops.copy' | 'contiguous' | 'clone';

function run(t: Tensor, via: Via): Tensor {
  if (via === 'ops.copy') return ops.copy(t);
  if (via === 'contiguous') return t.contiguous();
  return t.clone();
}

async function checkView(s: Scope, r: Rng, dtype: DType, shape: number[], steps: ViewStep[], via: Via): Promise<void> {
  const base = wordStorage(dtype, numel(shape), r);
  const view = applySteps(contiguousView(shape), steps);
  const expected = gather(words(base), view);
  const results = new Map<DeviceId, Uint8Array>();
  for (const dev of backends()) {
    const label = `${via} ${dtype} [${shape}] ${JSON.stringify(steps)} on ${dev}`;
    const bt = s.keep(Tensor.from(base, { shape, dtype, device: dev }));
    const v = s.keep(applyTensorSteps(bt, steps));
    expect(v.shape, label).toEqual(view.shape);
    const out = s.keep(run(v, via));
    expect(out.shape, label).toEqual(view.shape);
    expect(out.dtype, label).toBe(dtype);
    expect(out.isContiguous, label).toBe(true);
    const got = (await out.data()) as Storage;
    expectExact(words(got), expected, { label });
    results.set(dev, bytesOf(got));
  }
  expectBackendsAgree(results, { label: `${via} ${dtype} [${shape}]` });
}

describe('copy', () => {
  cudaNotice();

  describe.each(['ops.copy', 'contiguous', 'clone'] as const)('%s', (via) => {
    it.each(ALL_DTYPES)('%s: every view shape', async (dtype) => {
      const r = new Rng(300 + ALL_DTYPES.indexOf(dtype) + (via === 'clone' ? 50 : via === 'contiguous' ? 25 : 0));
      for (const [, shape, steps] of VIEWS) {
        await withScope((s) => checkView(s, r, dtype, shape, steps, via));
      }
    });
  });

  it('contiguous() of a contiguous tensor shares storage; clone() and copy never do', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        const t = s.keep(Tensor.from(randomStorage('f32', 12, new Rng(8)), { shape: [3, 4], device: dev }));
        const addr = t.handle.storage[0];
        expect(s.keep(t.contiguous()).handle.storage[0]).toBe(addr);
        expect(s.keep(t.clone()).handle.storage[0]).not.toBe(addr);
        expect(s.keep(ops.copy(t)).handle.storage[0]).not.toBe(addr);
        const tt = s.keep(t.transpose(0, 1));
        expect(tt.isContiguous).toBe(false);
        expect(s.keep(tt.contiguous()).handle.storage[0]).not.toBe(addr);
      }
    });
  });

  it('a copy is independent of its source: disposing the source keeps the copy readable', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const data = randomStorage('i32', 20, new Rng(9));
        const t = Tensor.from(data, { shape: [4, 5], device: dev });
        const c = s.keep(ops.copy(s.keep(t.transpose(0, 1))));
        t.dispose();
        expectExact(await c.data(), gather(data as Int32Array, applySteps(contiguousView([4, 5]), [['transpose', 0, 1]])), { label: dev });
      }
    });
  });

  describe('bad input', () => {
    it('a number where a Tensor is expected is a TypeError naming x', () => {
      expect(() => ops.copy(7 as unknown as Tensor)).toThrowError(TypeError);
      expect(() => ops.copy(7 as unknown as Tensor)).toThrowError(/for x but received number 7/);
      expect(() => ops.copy([1, 2] as unknown as Tensor)).toThrowError(/for x but received an array/);
    });
    it('the wrong number of inputs is INVALID_ARGUMENT from copy', async () => {
      await withScope((s) => {
        for (const dev of backends()) {
          const t = s.keep(Tensor.from([1, 2, 3], { device: dev }));
          const err = supports('copy', [t, t]);
          expect(err).toBeInstanceOf(KernelError);
          expect(err!.code).toBe('INVALID_ARGUMENT');
          expect(err!.op).toBe('copy');
          expect(err!.message).toMatch(/input/);
          expect(err!.message).toMatch(/received 2/);
          expect(supports('copy', [t])).toBeNull();
        }
      });
    });
    it('use after dispose throws DisposedError (ops.copy, contiguous, clone, views)', async () => {
      await withScope(() => {
        for (const dev of backends()) {
          const t = Tensor.from([1, 2, 3, 4], { shape: [2, 2], device: dev });
          t.dispose();
          expect(() => ops.copy(t)).toThrowError(DisposedError);
          expect(() => t.contiguous()).toThrowError(DisposedError);
          expect(() => t.clone()).toThrowError(DisposedError);
          expect(() => t.transpose(0, 1)).toThrowError(DisposedError);
        }
      });
    });
  });
});

backendSummary();
