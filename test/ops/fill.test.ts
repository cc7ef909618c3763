// fill (and zeros / ones): exact storage for every dtype and shape, and the representability rule
// of params/fill.h (values that do not fit the dtype are INVALID_ARGUMENT, like torch.full).
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, hasCuda, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { ALL_DTYPES, type DType, type Storage } from '../reference/cast.js';
import { fillRef, fillRepresentable } from '../reference/fill.js';

const SHAPES: number[][] = [[], [0], [3, 0], [1], [1, 1, 1], [7], [33, 3], [257], [2, 3, 4, 5], [300, 301]];

const VALUES: Record<DType, number[]> = {
  f32: [1.5, -0, -3.25e-5, 0.1, 1 / 3, 1e38, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, NaN, Infinity, -Infinity, 16777217],
  // 65519.99 rounds to 65504 (below the overflow midpoint); 2049 + 2^-20 rounds to f32 2049, a tie that goes to 2048
  f16: [65504, -65504, 65519.99, 1 / 3, 0.1, 1e-7, 1e-9, -0, NaN, Infinity, -Infinity, 2049 + 2 ** -20, 2051, -6.1e-5],
  bf16: [1 / 3, 3.38e38, -3.38e38, -0, NaN, Infinity, -Infinity, 1e-40, 257, 259, -0.1],
  i32: [2147483647, -2147483648, -7, 123456789, -0],
  i64: [2 ** 53, -(2 ** 53), -1, 9007199254740991, 4294967296],
  u8: [0, 255, 128, 1],
  bool: [0, 1],
};

async function checkFill(shape: number[], value: number, dtype: DType): Promise<void> {
  await withScope(async (s) => {
    const results = new Map<DeviceId, Storage>();
    for (const dev of backends()) {
      const label = `fill [${shape}] ${value} ${dtype} on ${dev}`;
      const t = s.keep(ops.fill(shape, value, { dtype, device: dev }));
      expect(t.shape, label).toEqual(shape);
      expect(t.dtype, label).toBe(dtype);
      expect(t.device, label).toBe(dev);
      const got = (await t.data()) as Storage;
      expectExact(got, fillRef(shape, value, dtype), { dtype, label });
      results.set(dev, got);
    }
    expectBackendsAgree(results, { dtype });
  });
}

describe('fill', () => {
  cudaNotice();

  describe.each(ALL_DTYPES)('%s', (dtype) => {
    it('every shape and value', async () => {
      for (const shape of SHAPES) {
        for (const v of VALUES[dtype]) {
          expect(fillRepresentable(v, dtype), `${v} must be representable in ${dtype}`).toBe(true);
          await checkFill(shape, v, dtype);
        }
      }
    });
  });

  it('zeros and ones are fills of 0 and 1', async () => {
    for (const dtype of ALL_DTYPES) {
      await withScope(async (s) => {
        for (const dev of backends()) {
          expectExact((await s.keep(ops.zeros([5, 3], { dtype, device: dev })).data()) as Storage, fillRef([5, 3], 0, dtype), { dtype, label: `zeros ${dtype}` });
          expectExact((await s.keep(ops.ones([33], { dtype, device: dev })).data()) as Storage, fillRef([33], 1, dtype), { dtype, label: `ones ${dtype}` });
        }
      });
    }
  });

  it('the default dtype is f32 and the default device cpu', async () => {
    await withScope(async (s) => {
      const t = s.keep(ops.fill([2], 2.5));
      expect(t.dtype).toBe('f32');
      expect(t.device).toBe('cpu');
      expectExact(await t.data(), new Float32Array([2.5, 2.5]));
    });
  });

  describe('bad input', () => {
    // [value, dtype, text the message must contain]
    const unrepresentable: [number, DType, RegExp][] = [
      [70000, 'f16', /70000/],
      [-65520, 'f16', /-65520/],
      [1e10, 'f16', /10000000000/],
      [3.4e38, 'bf16', /received 3399999/],
      [1e39, 'f32', /received 99999/],
      [-1e39, 'f32', /received -99999/],
      [1.5, 'i32', /1\.5/],
      [2147483648, 'i32', /2147483648/],
      [-2147483649, 'i32', /-2147483649/],
      [NaN, 'i32', /nan/i],
      [Infinity, 'i32', /inf/i],
      [2 ** 53 + 2, 'i64', /9007199254740994/],
      [0.5, 'i64', /0\.5/],
      [256, 'u8', /256/],
      [-1, 'u8', /-1/],
      [0.5, 'u8', /0\.5/],
      [2, 'bool', /2/],
      [-1, 'bool', /-1/],
      [0.5, 'bool', /0\.5/],
      [NaN, 'bool', /nan/i],
    ];
    it.each(unrepresentable)('fill %s as %s is INVALID_ARGUMENT naming the value', async (value, dtype, text) => {
      expect(fillRepresentable(value, dtype)).toBe(false);
      await withScope(() => {
        for (const dev of backends()) {
          let err: unknown;
          try {
            ops.fill([2], value, { dtype, device: dev }).dispose();
          } catch (e) {
            err = e;
          }
          expect(err, `fill ${value} ${dtype} on ${dev} must throw`).toBeInstanceOf(KernelError);
          const ke = err as KernelError;
          expect(ke.code).toBe('INVALID_ARGUMENT');
          expect(ke.op).toBe('fill');
          expect(ke.message).toMatch(/value/);
          expect(ke.message).toMatch(new RegExp(dtype));
          expect(ke.message).toMatch(text);
        }
      });
    });

    it('a negative dimension is INVALID_ARGUMENT naming the shape', async () => {
      await withScope(() => {
        for (const dev of backends()) {
          let err: unknown;
          try {
            ops.fill([2, -1], 1, { device: dev }).dispose();
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(KernelError);
          expect((err as KernelError).code).toBe('INVALID_ARGUMENT');
          expect((err as KernelError).op).toBe('fill');
          expect((err as KernelError).message).toMatch(/\[2, -1\]/);
        }
      });
    });

    it('JS-type mistakes are TypeErrors naming the argument and the received value', () => {
      expect(() => ops.fill([2], '1' as unknown as number)).toThrowError(TypeError);
      expect(() => ops.fill([2], '1' as unknown as number)).toThrowError(/for value but received string 1/);
      expect(() => ops.fill(2 as unknown as number[], 1)).toThrowError(/for shape but received number 2/);
      expect(() => ops.fill([1.5], 1)).toThrowError(/for shape/);
      expect(() => ops.fill([2], 1, { dtype: 'f64' as DType })).toThrowError(/for dtype but received string f64/);
      expect(() => ops.fill([2], 1, { device: 'gpu' as DeviceId })).toThrowError(/for device but received string gpu/);
    });

    it.skipIf(hasCuda())('an absent CUDA device is UNAVAILABLE with the reason', () => {
      let err: unknown;
      try {
        ops.fill([1], 1, { device: 'cuda' }).dispose();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe('UNAVAILABLE');
      expect((err as KernelError).message).toMatch(/cuda/);
    });

    it('reading a disposed result rejects with DisposedError', async () => {
      await withScope(async () => {
        for (const dev of backends()) {
          const t = ops.fill([3], 1, { device: dev });
          t.dispose();
          await expect(t.data()).rejects.toThrowError(DisposedError);
          expect(() => t.shape).toThrowError(DisposedError);
        }
      });
    });
  });
});

backendSummary();
