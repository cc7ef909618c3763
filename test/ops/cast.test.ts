// cast: every dtype pair, exact bits against the rational-rounding oracle in test/reference/cast.ts.
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, ops, supports, type DeviceId } from '../../src/index.js';
import { f32ToBf16Bits, f32ToF16Bits } from '../../src/dtype.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng, makeInput, randomStorage } from '../harness/random.js';
import { ALL_DTYPES, bitsToValue, castRef, roundToBits, type DType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function fromBits(b: number): number {
  u32[0] = b;
  return f32[0]!;
}
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

// ---- inputs: special values first, then seeded random ones ----

function f32Inputs(r: Rng): Float32Array {
  const bits = [
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000,
    0x7fc00000, 0xffc00000, 0x7f800001, 0x7fc12345, 0xff812345,
  ];
  const vals = [
    0.5, -0.5, 0.99999994, -0.99999994, 1, -1, 1.5, -1.5, 2.5, -2.5, 127.5, 128, 255, 255.5, 255.99998, 256, 256.5, -1.0000001, -128.5, -129,
    65504, 65519.996, 65520, -65520, 65536, 2147483520, 2147483648, -2147483648, -2147483904, 3e9, -3e9, 9223371487098961920, 2 ** 63, -(2 ** 63),
    -9223373136366403584, 1e30, -1e30, 3.3895314e38, 3.3961776e38, -3.3961776e38,
    // f16 subnormals and ties: 2^-24 is the smallest, 2^-25 ties to 0, 3 * 2^-25 ties to 2 * 2^-24
    2 ** -24, 2 ** -25, -(2 ** -25), 2 ** -25 * (1 + 2 ** -20), 3 * 2 ** -25, 5 * 2 ** -25, 2 ** -14, 2 ** -14 - 2 ** -25, 2 ** -15 + 2 ** -25,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 3 * 2 ** -11), 1 + 2 ** -11 + 2 ** -23, 2048 + 1, 2048 + 3, 65504 + 16, 65504 + 15.99,
    // bf16 ties
    1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -23, -(256 + 1), 256 + 3, 2 ** -133, 2 ** -126 - 2 ** -134, 2 ** -127 + 2 ** -134,
  ];
  const out: number[] = [...bits.map(fromBits), ...vals.map(Math.fround)];
  for (let i = 0; i < 3000; i++) out.push(fromBits(r.u32())); // every kind of bit pattern
  for (let i = 0; i < 3000; i++) out.push(Math.fround(r.uniform(-300, 300)));
  for (let i = 0; i < 1000; i++) out.push(Math.fround(r.sign() * 2 ** r.uniform(-30, 70)));
  for (let i = 0; i < 1000; i++) {
    // f16 / bf16 midpoints: a half value plus half an ulp (exact in f32)
    const h = r.u32() & 0x7bff;
    const v = bitsToValue(h, 'f16');
    out.push(Math.fround(v + (h >= 0x400 ? 2 ** (Math.floor(Math.log2(v)) - 11) : 2 ** -25)));
    const b = r.u32() & 0x7f7f;
    if ((b & 0x7f80) !== 0) out.push(fromBits((b << 16) | 0x8000));
  }
  return Float32Array.from(out);
}

function allHalfWords(): Uint16Array {
  return Uint16Array.from({ length: 65536 }, (_, i) => i);
}

function i32Inputs(r: Rng): Int32Array {
  const v = [
    0, 1, -1, 127, 128, 255, 256, 257, -128, -129, -256, 2147483647, -2147483648, 65504, 65505, 65519, 65520, 65536, 16777216, 16777217, 16777219,
    -16777217, 2 ** 30 + 2 ** 22, 2 ** 30 + 2 ** 23 + 2 ** 22, 1073741823,
  ];
  const out = [...v];
  for (let i = 0; i < 2000; i++) out.push(r.u32() | 0);
  for (let i = 0; i < 500; i++) out.push(r.int(-70000, 70000));
  return Int32Array.from(out);
}

function i64Inputs(r: Rng): BigInt64Array {
  const v = [
    0n, 1n, -1n, 255n, 256n, -129n, 2147483647n, 2147483648n, -2147483649n, 4294967295n, 4294967303n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n),
    65519n, 65520n, 16777217n, 2n ** 62n + 2n ** 38n + 1n, 2n ** 62n + 2n ** 38n,
  ];
  const out = [...v];
  for (let i = 0; i < 2000; i++) out.push(r.i64());
  for (let i = 0; i < 500; i++) out.push(BigInt(r.int(-70000, 70000)));
  for (let i = 0; i < 500; i++) out.push(BigInt.asIntN(64, r.i64() >> BigInt(r.int(0, 60))));
  return BigInt64Array.from(out);
}

function inputsFor(d: DType, r: Rng): Storage {
  switch (d) {
    case 'f32':
      return f32Inputs(r);
    case 'f16':
    case 'bf16':
      return allHalfWords(); // exhaustive
    case 'i32':
      return i32Inputs(r);
    case 'i64':
      return i64Inputs(r);
    case 'u8':
      return Uint8Array.from({ length: 256 }, (_, i) => i);
    case 'bool': {
      const s = randomStorage('bool', 64, r);
      s[0] = 0;
      s[1] = 1;
      return s;
    }
  }
}

async function checkCast(from: DType, to: DType, storage: Storage, shape: number[], steps: readonly ViewStep[], r: Rng): Promise<void> {
  await withScope(async (s) => {
    const results = new Map<DeviceId, Storage>();
    for (const dev of backends()) {
      const inp = makeInput(s, r, from, shape, steps, dev, {}, storage);
      const out = s.keep(ops.cast(inp.t, to));
      const label = `cast ${from} -> ${to} [${inp.shape}] on ${dev}`;
      expect(out.shape, label).toEqual(inp.shape);
      expect(out.dtype, label).toBe(to);
      expect(out.isContiguous, label).toBe(true);
      const got = (await out.data()) as Storage;
      expectExact(got, castRef(inp.values, from, to), { dtype: to, label });
      results.set(dev, got);
    }
    expectBackendsAgree(results, { dtype: to, label: `cast ${from} -> ${to}` });
  });
}

describe('cast', () => {
  cudaNotice();

  describe('oracle self-check', () => {
    it('rational f32 rounding equals Math.fround (subnormals, ties, overflow)', () => {
      const r = new Rng(11);
      const xs: number[] = [3.4028235677973366e38, 3.4028235677973362e38, 1.401298464324817e-45 / 2, 1.401298464324817e-45 * 1.5, 2 ** -149 * 2.5, 2 ** -126 * (1 - 2 ** -25)];
      for (let i = 0; i < 20000; i++) xs.push(r.sign() * r.next() * 2 ** r.int(-160, 130));
      for (let i = 0; i < 5000; i++) {
        // exact f32 midpoints
        const f = fromBits(r.u32() & 0x7f7fffff);
        const up = fromBits(bitsOf(f) + 1);
        xs.push(f + (up - f) / 2);
      }
      for (const x of xs) expect(bitsToValue(roundToBits(x, 'f32'), 'f32'), `x=${x}`).toBe(Math.fround(x));
    });

    it('f16/bf16 anchors', () => {
      const f16: [number, number][] = [
        [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [-65520, 0xfc00], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [-(2 ** -25), 0x8000],
        [3 * 2 ** -25, 0x0002], [2 ** -25 * 1.001, 0x0001], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [2 ** -14, 0x0400], [1 / 3, 0x3555], [-0, 0x8000],
      ];
      for (const [x, b] of f16) expect(roundToBits(x, 'f16'), `f16 ${x}`).toBe(b);
      const bf16: [number, number][] = [[1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [(2 - 2 ** -8) * 2 ** 127, 0x7f80], [(2 - 2 ** -8) * 2 ** 127 * (1 - 2 ** -30), 0x7f7f], [3.38953139e38, 0x7f7f], [1 / 3, 0x3eab], [2 ** -133, 0x0001]];
      for (const [x, b] of bf16) expect(roundToBits(x, 'bf16'), `bf16 ${x}`).toBe(b);
      const bad: string[] = [];
      for (let h = 0; h < 0x10000; h++) {
        const v = bitsToValue(h, 'f16');
        if (!Number.isNaN(v) && roundToBits(v, 'f16') !== h) bad.push(h.toString(16));
        const b = bitsToValue(h, 'bf16');
        if (!Number.isNaN(b) && roundToBits(b, 'bf16') !== h) bad.push(`bf16 ${h.toString(16)}`);
      }
      expect(bad, 'every finite half value must round to itself').toEqual([]);
    });

    it('host encoders used by Tensor.from agree with the oracle', () => {
      const r = new Rng(12);
      const words: number[] = [];
      for (let i = 0; i < 20000; i++) words.push(r.u32());
      for (let e = 0; e < 256; e++) for (const m of [0, 1, 0x0fff, 0x1000, 0x1001, 0x2fff, 0x3000, 0x7fff, 0x8000, 0x8001, 0x18000, 0x7fffff]) words.push(((e << 23) | m) >>> 0, ((e << 23) | m | 0x80000000) >>> 0);
      const bad: string[] = [];
      for (const w of words) {
        const x = fromBits(w);
        if (Number.isNaN(x)) continue;
        if (f32ToF16Bits(x) !== roundToBits(x, 'f16')) bad.push(`f16 of ${x} (0x${w.toString(16)}): ${f32ToF16Bits(x)} vs ${roundToBits(x, 'f16')}`);
        if (f32ToBf16Bits(x) !== roundToBits(x, 'bf16')) bad.push(`bf16 of ${x} (0x${w.toString(16)}): ${f32ToBf16Bits(x)} vs ${roundToBits(x, 'bf16')}`);
      }
      expect(bad.slice(0, 10)).toEqual([]);
    });
  });

  describe('every dtype pair (special values, exhaustive halves and u8)', () => {
    const pairs = ALL_DTYPES.flatMap((from) => ALL_DTYPES.map((to) => [from, to] as const));
    it.each(pairs)('%s -> %s', async (from, to) => {
      const r = new Rng(1000 + ALL_DTYPES.indexOf(from) * 7 + ALL_DTYPES.indexOf(to));
      const data = inputsFor(from, r);
      await checkCast(from, to, data, [data.length], [], r);
    });
  });

  describe('shapes and non-contiguous inputs', () => {
    const views: [string, number[], ViewStep[]][] = [
      ['rank 0', [], []],
      ['empty [0, 5]', [0, 5], []],
      ['empty transposed [3, 0]', [3, 0], [['transpose', 0, 1]]],
      ['[1, 1, 1]', [1, 1, 1], []],
      ['[7, 33] transposed', [7, 33], [['transpose', 0, 1]]],
      ['[257] step 3', [257], [['slice', 0, 1, 257, 3]]],
      ['[2, 3, 4] permuted', [2, 3, 4], [['permute', 2, 0, 1]]],
      ['[1, 5] expanded to [4, 5]', [1, 5], [['expand', 4, 5]]],
      ['[5, 1, 3] sliced and expanded', [5, 1, 3], [['slice', 2, 0, 3, 2], ['expand', 5, 4, 2]]],
      ['[4, 1] expanded to [3, 4, 6]', [4, 1], [['expand', 3, 4, 6]]],
      ['[9, 8] negative slice, transposed', [9, 8], [['slice', 1, -7, -1, 2], ['transpose', 1, 0]]],
    ];
    it.each(ALL_DTYPES)('%s -> every dtype', async (from) => {
      const r = new Rng(2000 + ALL_DTYPES.indexOf(from));
      for (const [, shape, steps] of views) {
        const n = shape.reduce((a, b) => a * b, 1);
        const storage = randomStorage(from, n, r, from === 'i32' || from === 'i64' ? {} : { lo: 0.5, hi: 300 });
        for (const to of ALL_DTYPES) await checkCast(from, to, storage, shape, steps, r);
      }
    });
  });

  it('spot values (independent of the oracle): truncation, saturation, NaN, wrap-around, bool, RNE', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const f = s.keep(Tensor.from(new Float32Array([NaN, -0, 0, 2.7, -2.7, 3e9, -3e9, Infinity, -Infinity, 255.9, -0.9]), { device: dev }));
        expect(Array.from((await s.keep(ops.cast(f, 'i32')).data()) as Int32Array)).toEqual([0, 0, 0, 2, -2, 2147483647, -2147483648, 2147483647, -2147483648, 255, 0]);
        expect(Array.from((await s.keep(ops.cast(f, 'u8')).data()) as Uint8Array)).toEqual([0, 0, 0, 2, 0, 255, 0, 255, 0, 255, 0]);
        expect(Array.from((await s.keep(ops.cast(f, 'bool')).data()) as Uint8Array)).toEqual([1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
        expect(Array.from((await s.keep(ops.cast(f, 'i64')).data()) as BigInt64Array)).toEqual([0n, 0n, 0n, 2n, -2n, 3000000000n, -3000000000n, 2n ** 63n - 1n, -(2n ** 63n), 255n, 0n]);
        const i = s.keep(Tensor.from(new Int32Array([300, -1, 256, -2147483648]), { device: dev }));
        expect(Array.from((await s.keep(ops.cast(i, 'u8')).data()) as Uint8Array)).toEqual([44, 255, 0, 0]);
        const l = s.keep(Tensor.from(new BigInt64Array([2n ** 32n + 5n, -(2n ** 32n) - 1n, 2n ** 31n]), { device: dev }));
        expect(Array.from((await s.keep(ops.cast(l, 'i32')).data()) as Int32Array)).toEqual([5, -1, -2147483648]);
        const h = s.keep(Tensor.from(new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 65519, 2 ** -25, 3 * 2 ** -25, -0]), { device: dev }));
        expect(Array.from((await s.keep(ops.cast(h, 'f16')).data()) as Uint16Array)).toEqual([0x3c00, 0x3c02, 0x7c00, 0x7bff, 0x0000, 0x0002, 0x8000]);
        const b = s.keep(Tensor.from(new Uint16Array([0x7e00, 0x8000, 0x0001]), { dtype: 'f16', device: dev }));
        expect(Array.from((await s.keep(ops.cast(b, 'bool')).data()) as Uint8Array)).toEqual([1, 0, 1]);
      }
    });
  });

  it('Tensor.cast equals ops.cast', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const inp = makeInput(s, new Rng(3), 'f32', [6, 7], [['transpose', 0, 1]], dev, { hi: 1000 });
        const a = s.keep(inp.t.cast('f16'));
        const b = s.keep(ops.cast(inp.t, 'f16'));
        expectExact(await a.data(), await b.data(), { dtype: 'f16' });
      }
    });
  });

  // Integers convert to bf16 by rounding the integer once; the f32 intermediate must not create a
  // tie that then rounds to even (2^30 + 2^22 + 1 is nearer 2^30 + 2^23 than 2^30).
  it.each(['i32', 'i64'] as const)('%s -> bf16 rounds via f32 like PyTorch (2^30 + 2^22 + 1 -> 2^30, not the nearer 2^30 + 2^23)', async (from) => {
    const ints = [2 ** 30 + 2 ** 22 + 1, -(2 ** 30 + 2 ** 22 + 1), 2 ** 26 + 2 ** 18 + 1, 2 ** 24 + 2 ** 16 + 1];
    const storage: Storage = from === 'i32' ? Int32Array.from(ints) : BigInt64Array.from([...ints.map(BigInt), 2n ** 62n + 2n ** 54n + 1n, 2n ** 40n + 2n ** 32n + 1n]);
    await checkCast(from, 'bf16', storage, [storage.length], [], new Rng(4));
  });

  describe('bad input', () => {
    it('a number where a Tensor is expected is a TypeError naming x', () => {
      expect(() => ops.cast(3 as unknown as Tensor, 'f32')).toThrowError(TypeError);
      expect(() => ops.cast(3 as unknown as Tensor, 'f32')).toThrowError(/for x but received number 3/);
    });
    it('an unknown dtype is rejected (TS: TypeError, native: INVALID_ARGUMENT naming dtype)', async () => {
      await withScope((s) => {
        for (const dev of backends()) {
          const t = s.keep(Tensor.from([1, 2, 3], { device: dev }));
          expect(() => ops.cast(t, 'f64' as DType)).toThrowError(/dtype.*f64/);
          expect(() => t.cast('f64' as DType)).toThrowError(TypeError);
          const err = supports('cast', [t], { dtype: 'f64' });
          expect(err).toBeInstanceOf(KernelError);
          expect(err!.code).toBe('INVALID_ARGUMENT');
          expect(err!.op).toBe('cast');
          expect(err!.message).toMatch(/dtype/);
          expect(err!.message).toMatch(/f64/);
          expect(supports('cast', [t], { dtype: 'bf16' })).toBeNull();
        }
      });
    });
    it('use after dispose throws DisposedError', async () => {
      await withScope(() => {
        for (const dev of backends()) {
          const t = Tensor.from([1, 2], { device: dev });
          t.dispose();
          expect(() => ops.cast(t, 'f16')).toThrowError(DisposedError);
          expect(() => t.cast('f16')).toThrowError(DisposedError);
        }
      });
    });
  });
});

backendSummary();
