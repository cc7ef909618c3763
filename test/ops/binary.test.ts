// add / sub / mul / div: NumPy broadcasting over a shape grid with non-contiguous operands, exact
// per-dtype results (f32 correctly rounded, f16/bf16 = RNE of the f32 result, integers wrap).
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { binaryRef, type BinaryOp } from '../reference/binary.js';
import { isFloat, roundToBits, storageToValues, type DType, type Storage, type Val } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { fillElement } from '../reference/fill.js';
import { expectKernelError } from '../harness/errors.js';

const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
const DTYPES: DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8'];
const FN = { add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div } as const;

interface Operand {
  base: number[];
  steps?: ViewStep[];
}

// [name, a, b]
const GRID: [string, Operand, Operand][] = [
  ['[3,1,5] x [4,1]', { base: [3, 1, 5] }, { base: [4, 1] }],
  ['rank 0 x [2,3,4]', { base: [] }, { base: [2, 3, 4] }],
  ['[2,3,4] x rank 0', { base: [2, 3, 4] }, { base: [] }],
  ['rank 0 x rank 0', { base: [] }, { base: [] }],
  ['[7] x [7]', { base: [7] }, { base: [7] }],
  ['[1] x [33]', { base: [1] }, { base: [33] }],
  ['[257] x [1]', { base: [257] }, { base: [1] }],
  ['[33,7] x [33,7]', { base: [33, 7] }, { base: [33, 7] }],
  ['[2,1,3,1] x [1,4,1,5]', { base: [2, 1, 3, 1] }, { base: [1, 4, 1, 5] }],
  ['[1,1] x [1]', { base: [1, 1] }, { base: [1] }],
  ['empty [0,3] x [3]', { base: [0, 3] }, { base: [3] }],
  ['empty [0] x [1]', { base: [0] }, { base: [1] }],
  ['empty [2,0,3] x [2,1,3]', { base: [2, 0, 3] }, { base: [2, 1, 3] }],
  ['transposed [5,3] x [5]', { base: [5, 3], steps: [['transpose', 0, 1]] }, { base: [5] }],
  ['step 2 [257] x step 2 [258]', { base: [257], steps: [['slice', 0, 0, 257, 2]] }, { base: [258], steps: [['slice', 0, 1, 258, 2]] }],
  ['expanded [1,5]->[4,5] x transposed [5,4]', { base: [1, 5], steps: [['expand', 4, 5]] }, { base: [5, 4], steps: [['transpose', 0, 1]] }],
  ['permuted [2,3,4]->[4,2,3] x [3]', { base: [2, 3, 4], steps: [['permute', 2, 0, 1]] }, { base: [3] }],
  ['sliced [6,8]->[3,3] x transposed [3,3]', { base: [6, 8], steps: [['slice', 0, 1, 6, 2], ['slice', 1, 0, 8, 3]] }, { base: [3, 3], steps: [['transpose', 0, 1]] }],
  ['expanded rank 0 view x [7,1]', { base: [1], steps: [['expand', 3, 7, 5]] }, { base: [7, 1] }],
  ['[64,129] x transposed [129,1]', { base: [64, 129] }, { base: [129, 1], steps: [['transpose', 0, 1]] }],
  ['transposed [301,300] x [300,301]', { base: [301, 300], steps: [['transpose', 0, 1]] }, { base: [300, 301] }],
  ['outer [257,1] x [1,1031]', { base: [257, 1] }, { base: [1, 1031] }],
  ['long rows [100003] x [100003]', { base: [100003] }, { base: [100003] }],
];

function opsFor(dtype: DType): BinaryOp[] {
  return isFloat(dtype) ? OPS : OPS.filter((o) => o !== 'div');
}

describe('binary (add, sub, mul, div)', () => {
  cudaNotice();

  describe.each(DTYPES)('%s', (dtype) => {
    it.each(GRID)('%s', async (name, a, b) => {
      const r = new Rng(5000 + DTYPES.indexOf(dtype) * 100 + GRID.findIndex((g) => g[0] === name));
      for (const op of opsFor(dtype)) {
        await withScope(async (s) => {
          const results = new Map<DeviceId, Storage>();
          const seed = r.u32(); // the same inputs on every backend
          for (const dev of backends()) {
            const x = makeInput(s, new Rng(seed), dtype, a.base, a.steps ?? [], dev);
            const y = makeInput(s, new Rng(seed + 1), dtype, b.base, b.steps ?? [], dev);
            const label = `${op} ${dtype} ${name} on ${dev}`;
            const out = s.keep(FN[op](x.t, y.t));
            const ref = binaryRef(op, dtype, x.values, x.shape, y.values, y.shape);
            expect(out.shape, label).toEqual(ref.shape);
            expect(out.dtype, label).toBe(dtype);
            expect(out.isContiguous, label).toBe(true);
            const got = (await out.data()) as Storage;
            expectExact(got, ref.out, { dtype, label });
            results.set(dev, got);
          }
          expectBackendsAgree(results, { dtype, label: `${op} ${dtype} ${name}` });
        });
      }
    });
  });

  describe('special values', () => {
    const A = [Infinity, -Infinity, NaN, 0, -0, 1, 3.4e38, 1e-45, -1, 65504, -0, 2 ** -24, 1e30, 7];
    const B = [Infinity, 1, 2, -0, 0, 0, 3.4e38, 0.5, -0, 65504, -0, 0.5, 1e-30, 3];
    it.each(['f32', 'f16', 'bf16'] as const)('%s: infinities, NaN, signed zeros, overflow, underflow', async (dtype) => {
      const enc = (v: number[]): Storage => (dtype === 'f32' ? Float32Array.from(v) : Uint16Array.from(v, (x) => roundToBits(Math.fround(x), dtype)));
      const sa = enc(A);
      const sb = enc(B);
      for (const op of OPS) {
        await withScope(async (s) => {
          const results = new Map<DeviceId, Storage>();
          for (const dev of backends()) {
            const x = s.keep(Tensor.from(sa, { dtype, device: dev }));
            const y = s.keep(Tensor.from(sb, { dtype, device: dev }));
            const got = (await s.keep(FN[op](x, y)).data()) as Storage;
            const ref = binaryRef(op, dtype, storageToValues(dtype, sa), [A.length], storageToValues(dtype, sb), [B.length]);
            expectExact(got, ref.out, { dtype, label: `${op} ${dtype} on ${dev}` });
            results.set(dev, got);
          }
          expectBackendsAgree(results, { dtype });
        });
      }
    });

    // long contiguous rows take the vectorized paths: every f16/bf16 word, and f32 words of every kind
    it.each(['f32', 'f16', 'bf16'] as const)('%s: every bit pattern class through the vector loops', async (dtype) => {
      const r = new Rng(404);
      const n = 65536;
      let sa: Storage;
      let sb: Storage;
      if (dtype === 'f32') {
        const wa = Uint32Array.from({ length: n }, () => r.u32());
        // exponents near the subnormal range and near overflow, where flush-to-zero or a wrong
        // conversion would show
        for (let i = 0; i < n; i += 3) wa[i] = (wa[i]! & 0x807fffff) | ((r.int(0, 4) + (i & 1 ? 0 : 250)) << 23);
        const wb = Uint32Array.from({ length: n }, () => r.u32());
        for (let i = 0; i < n; i += 5) wb[i] = (wb[i]! & 0x807fffff) | (r.int(100, 140) << 23);
        sa = new Float32Array(wa.buffer);
        sb = new Float32Array(wb.buffer);
      } else {
        sa = Uint16Array.from({ length: n }, (_, i) => i);
        sb = Uint16Array.from({ length: n }, (_, i) => (i * 40503 + 17) & 0xffff);
      }
      for (const op of OPS) {
        await withScope(async (s) => {
          const results = new Map<DeviceId, Storage>();
          for (const dev of backends()) {
            const x = s.keep(Tensor.from(sa, { dtype, device: dev }));
            const y = s.keep(Tensor.from(sb, { dtype, device: dev }));
            const got = (await s.keep(FN[op](x, y)).data()) as Storage;
            const ref = binaryRef(op, dtype, storageToValues(dtype, sa), [n], storageToValues(dtype, sb), [n]);
            expectExact(got, ref.out, { dtype, label: `${op} ${dtype} on ${dev}` });
            results.set(dev, got);
          }
          expectBackendsAgree(results, { dtype });
        });
      }
    });

    it('integers wrap around modulo 2^bits', async () => {
      const cases: [DType, Storage, Storage][] = [
        ['i32', Int32Array.from([2147483647, -2147483648, 65536, -2147483648, 46341]), Int32Array.from([1, 1, 65536, -1, 46341])],
        ['i64', BigInt64Array.from([2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 63n), 3037000500n]), BigInt64Array.from([1n, 1n, 2n ** 32n, -1n, 3037000500n])],
        ['u8', Uint8Array.from([255, 0, 16, 200, 129]), Uint8Array.from([1, 1, 16, 100, 2])],
      ];
      for (const [dtype, sa, sb] of cases) {
        for (const op of ['add', 'sub', 'mul'] as const) {
          await withScope(async (s) => {
            for (const dev of backends()) {
              const got = await s.keep(FN[op](s.keep(Tensor.from(sa, { dtype, device: dev })), s.keep(Tensor.from(sb, { dtype, device: dev })))).data();
              const ref = binaryRef(op, dtype, storageToValues(dtype, sa), [5], storageToValues(dtype, sb), [5]);
              expectExact(got, ref.out, { dtype, label: `${op} ${dtype} on ${dev}` });
            }
          });
        }
      }
      // spot values, independent of the reference
      await withScope(async (s) => {
        const got = await s.keep(ops.add(s.keep(Tensor.from([2147483647], { dtype: 'i32' })), 1)).data();
        expect(Array.from(got as Int32Array)).toEqual([-2147483648]);
        const m = await s.keep(ops.mul(s.keep(Tensor.from([200], { dtype: 'u8' })), 2)).data();
        expect(Array.from(m as Uint8Array)).toEqual([144]);
      });
    });
  });

  describe('number operands', () => {
    // [op, dtype, number first?, value]
    const cases: [BinaryOp, DType, boolean, number][] = [
      ['add', 'f32', false, 2],
      ['sub', 'f32', true, 2],
      ['mul', 'f16', false, 0.5],
      ['div', 'bf16', true, 1],
      ['div', 'f32', false, 3],
      ['add', 'f16', false, 0.1],
      ['add', 'i32', false, -7],
      ['sub', 'i64', true, 5],
      ['mul', 'u8', false, 3],
    ];
    it.each(cases)('%s %s (number first: %s) with %s', async (op, dtype, first, value) => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const x = makeInput(s, new Rng(61), dtype, [4, 7], [['transpose', 0, 1]], dev);
          const out = s.keep(first ? FN[op](value, x.t) : FN[op](x.t, value));
          const scalar = [storageToValues(dtype, [fillElement(value, dtype)] as ArrayLike<number | bigint>)[0]!] as Val[];
          const ref = first ? binaryRef(op, dtype, scalar, [], x.values, x.shape) : binaryRef(op, dtype, x.values, x.shape, scalar, []);
          expect(out.shape).toEqual([7, 4]);
          expect(out.dtype).toBe(dtype);
          expectExact(await out.data(), ref.out, { dtype, label: `${op} ${dtype} ${value} on ${dev}` });
        }
      });
    });
  });

  describe('bad input', () => {

    it.each(['i32', 'i64', 'u8'] as const)('div of %s is rejected', async (dtype) => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const x = makeInput(s, new Rng(1), dtype, [3], [], dev);
          await expectKernelError(() => ops.div(x.t, x.t), 'div', [/float dtype/, new RegExp(`received ${dtype}`)]);
        }
      });
    });

    it('bool is not arithmetic', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const x = s.keep(Tensor.from([true, false], { device: dev }));
          for (const op of OPS) await expectKernelError(() => FN[op](x, x), op, [/numeric dtype/, /bool/]);
        }
      });
    });

    it('mismatched dtypes are rejected, naming b and both dtypes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const a = s.keep(Tensor.from([1, 2], { device: dev }));
          const b = s.keep(Tensor.from([1, 2], { dtype: 'f16', device: dev }));
          const c = s.keep(Tensor.from([1, 2], { dtype: 'i32', device: dev }));
          for (const op of OPS) {
            await expectKernelError(() => FN[op](a, b), op, [/dtype of a \(f32\)/, /received f16/, /\bb\b/]);
            await expectKernelError(() => FN[op](c, a), op, [/dtype of a \(i32\)/, /received f32/]);
          }
        }
      });
    });

    it('shapes that do not broadcast are rejected, naming both shapes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const a = s.keep(Tensor.from(new Float32Array(6).fill(1), { shape: [2, 3], device: dev }));
          const b = s.keep(Tensor.from([1, 2], { device: dev }));
          const c = s.keep(Tensor.from(new Float32Array(8).fill(1), { shape: [4, 2], device: dev }));
          for (const op of OPS) {
            await expectKernelError(() => FN[op](a, b), op, [/\[2, 3\]/, /\[2\]/]);
            await expectKernelError(() => FN[op](a, c), op, [/\[2, 3\]/, /\[4, 2\]/]);
          }
        }
      });
    });

    it('a number operand must be representable in the tensor dtype (error names the op and the operand)', async () => {
      await withScope(async (s) => {
        const u = s.keep(Tensor.from([1, 2], { dtype: 'u8' }));
        await expectKernelError(() => ops.add(u, 300), 'add', [/expected b/, /u8/, /300/]);
        const i = s.keep(Tensor.from([1, 2], { dtype: 'i32' }));
        await expectKernelError(() => ops.mul(i, 2.5), 'mul', [/expected b/, /i32/, /2\.5/]);
      });
    });

    it('JS-type mistakes are TypeErrors naming the argument and the received value', async () => {
      await withScope((s) => {
        const t = s.keep(Tensor.from([1, 2]));
        for (const op of OPS) {
          expect(() => FN[op](t, 'x' as unknown as number)).toThrowError(/for b but received string x/);
          expect(() => FN[op]('x' as unknown as number, t)).toThrowError(/for a but received string x/);
          expect(() => FN[op](t, null as unknown as number)).toThrowError(/for b but received null/);
          expect(() => FN[op](2, 3)).toThrowError(TypeError);
          expect(() => FN[op](2, 3)).toThrowError(/two numbers/);
        }
      });
    });

    it('use after dispose throws DisposedError', async () => {
      await withScope((s) => {
        const t = s.keep(Tensor.from([1, 2]));
        const d = Tensor.from([1, 2]);
        d.dispose();
        for (const op of OPS) {
          expect(() => FN[op](t, d)).toThrowError(DisposedError);
          expect(() => FN[op](d, t)).toThrowError(DisposedError);
          expect(() => FN[op](d, 1)).toThrowError(DisposedError);
        }
      });
    });

    const other = backends().find((d) => d !== 'cpu');
    it.runIf(other)(`inputs on different devices are rejected (cpu and ${other})`, async () => {
      await withScope(async (s) => {
        const a = s.keep(Tensor.from([1, 2], { device: 'cpu' }));
        const b = s.keep(Tensor.from([1, 2], { device: other! }));
        for (const op of OPS) await expectKernelError(() => FN[op](a, b), op, [/device/]);
      });
    });
  });
});

backendSummary();
