// arange: exact storage against start + i * step in f64 rounded once the native way (floats via
// f32, integers truncated), lengths ceil((end - start) / step), negative and fractional steps.
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { arangeLength, arangeRef } from '../reference/arange.js';
import { type DType, type Storage } from '../reference/cast.js';

const NUMERIC: DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8'];
const FLOATS: DType[] = ['f32', 'f16', 'bf16'];
const SIGNED: DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64'];

// [start, end, step, dtypes]
const CASES: [number, number, number, DType[]][] = [
  [0, 10, 1, NUMERIC],
  [0, 257, 1, SIGNED],
  [3, 4, 1, NUMERIC], // one element
  [5, 5, 1, NUMERIC], // empty
  [5, 5, -2, NUMERIC], // empty, negative step
  [0, 1, 0.1, FLOATS],
  [0.1, 0.7, 0.1, FLOATS], // (0.7 - 0.1) / 0.1 = 5.999...: 6 elements
  [1, 0, -0.3, FLOATS],
  [-3.5, 7.25, 0.75, SIGNED],
  [10, -10, -3, SIGNED],
  [-0, -3, -1, FLOATS], // first element is -0 + 0 * -1 = -0
  [0, 2.5, 0.5, NUMERIC], // integers truncate: 0 0 1 1 2
  [-2.5, 0, 0.5, ['i32', 'i64']], // truncation toward zero of negatives
  [0, 100003, 1, ['f32', 'i32', 'i64']],
  [0, 1, 1e-4, FLOATS],
  [1e6, 1e6 + 1000, 1.5, ['f32', 'bf16']],
  [16777200, 16777300, 1, ['f32']], // above 2^24: f32 rounds to even
  [2049 + 2 ** -20, 2100, 1, ['f16']], // f64 -> f32 gives a tie in f16: rounded twice, as specified
  [0, 1000, 7.3, ['bf16', 'f16']],
  [-65504, 65504, 4096.7, ['f16']],
  [2 ** 53 - 10, 2 ** 53, 1, ['i64']],
  [-(2 ** 53), -(2 ** 53) + 5, 1, ['i64']],
  [0, 256, 1, ['u8']],
  [255, -1, -1, ['u8']],
  [2147483640, 2147483647, 1, ['i32']],
  [-2147483648, -2147483640, 3, ['i32']],
];

describe('arange', () => {
  cudaNotice();

  it.each(CASES)('arange(%s, %s, step %s)', async (start, end, step, dtypes) => {
    for (const dtype of dtypes) {
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        const n = arangeLength(start, end, step);
        for (const dev of backends()) {
          const label = `arange(${start}, ${end}, ${step}) ${dtype} on ${dev}`;
          const t = s.keep(ops.arange(start, end, { step, dtype, device: dev }));
          expect(t.shape, label).toEqual([n]);
          expect(t.dtype, label).toBe(dtype);
          const got = (await t.data()) as Storage;
          expectExact(got, arangeRef(start, end, step, dtype), { dtype, label });
          results.set(dev, got);
        }
        expectBackendsAgree(results, { dtype });
      });
    }
  });

  it('lengths are ceil((end - start) / step)', async () => {
    const lens: [number, number, number, number][] = [
      [0, 10, 3, 4],
      [0, 9, 3, 3],
      [0, 1, 0.1, 10],
      [1, 0, -0.3, 4],
      [0, -7, -2, 4],
      [0.5, 0.6, 1, 1],
      [5, 5, 1, 0],
    ];
    await withScope((s) => {
      for (const [a, b, st, n] of lens) {
        expect(arangeLength(a, b, st)).toBe(n);
        expect(s.keep(ops.arange(a, b, { step: st })).shape, `arange(${a}, ${b}, ${st})`).toEqual([n]);
      }
    });
  });

  it('defaults: step 1, f32, cpu', async () => {
    await withScope(async (s) => {
      const t = s.keep(ops.arange(-2, 3));
      expect(t.dtype).toBe('f32');
      expect(t.device).toBe('cpu');
      expectExact(await t.data(), new Float32Array([-2, -1, 0, 1, 2]));
    });
  });

  it('integer dtypes range-check the stored (truncated) values: arange(-0.5, 2) as u8 is [0, 0, 1]', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const t = s.keep(ops.arange(-0.5, 2, { dtype: 'u8', device: dev }));
        expect(Array.from((await t.toArray()) as Uint8Array)).toEqual([0, 0, 1]);
      }
    });
  });

  describe('bad input', () => {
    // [start, end, step, dtype, message patterns]
    const bad: [number, number, number, DType, RegExp[]][] = [
      [0, 10, 0, 'f32', [/step/, /received 0/]],
      [0, 10, NaN, 'f32', [/step/, /nan/i]],
      [0, 10, -1, 'f32', [/step/, /sign/, /received -1/]],
      [10, 0, 1, 'i32', [/step/, /sign/, /received 1/]],
      [NaN, 3, 1, 'f32', [/start/, /nan/i]],
      [0, Infinity, 1, 'f32', [/end/, /inf/i]],
      [0, 3, 1, 'bool', [/dtype/, /bool/]],
      [0, 70000, 1000, 'f16', [/f16/, /69000/]],
      [-1, 3, 1, 'u8', [/u8/, /-1/]],
      [250, 260, 1, 'u8', [/u8/, /259/]],
      [2147483640, 2147483660, 1, 'i32', [/i32/, /2147483659/]],
    ];
    it.each(bad)('arange(%s, %s, step %s) as %s is INVALID_ARGUMENT', async (start, end, step, dtype, pats) => {
      await withScope(() => {
        for (const dev of backends()) {
          let err: unknown;
          try {
            ops.arange(start, end, { step, dtype, device: dev }).dispose();
          } catch (e) {
            err = e;
          }
          expect(err, `arange(${start}, ${end}, ${step}) ${dtype} on ${dev} must throw`).toBeInstanceOf(KernelError);
          const ke = err as KernelError;
          expect(ke.code).toBe('INVALID_ARGUMENT');
          expect(ke.op).toBe('arange');
          for (const p of pats) expect(ke.message).toMatch(p);
        }
      });
    });

    it('JS-type mistakes are TypeErrors naming the argument and the received value', () => {
      expect(() => ops.arange('0' as unknown as number, 3)).toThrowError(/for start but received string 0/);
      expect(() => ops.arange(0, null as unknown as number)).toThrowError(/for end but received null/);
      expect(() => ops.arange(0, 3, { step: '1' as unknown as number })).toThrowError(TypeError);
      expect(() => ops.arange(0, 3, { step: '1' as unknown as number })).toThrowError(/for step but received string 1/);
      expect(() => ops.arange(0, 3, { dtype: 'float' as DType })).toThrowError(/for dtype but received string float/);
    });

    it('reading a disposed result rejects with DisposedError', async () => {
      await withScope(async () => {
        const t = ops.arange(0, 4);
        t.dispose();
        await expect(t.toArray()).rejects.toThrowError(DisposedError);
      });
    });
  });
});

backendSummary();
