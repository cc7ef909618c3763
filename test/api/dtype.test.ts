// Host-side f16/bf16 encoders (src/dtype.ts) against exact rational rounding, and against the
// native cast kernels: two independent implementations of round-to-nearest-even must agree.
import { describe, expect, it } from 'vitest';
import { Tensor, ops } from '../../src/index.js';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/dtype.js';

// Reference: nearest representable value by exhaustive search over all 65536 encodings, ties to
// the even bit pattern; overflow past the rounding boundary goes to infinity.
function nearestBits(x: number, decode: (h: number) => number): number {
  if (Number.isNaN(x)) return -1;
  let best = -1;
  let bestErr = Infinity;
  for (let h = 0; h < 65536; h++) {
    const v = decode(h);
    if (!Number.isFinite(v)) continue;
    if (Object.is(v, -0) !== Object.is(x, -0) && v === 0 && x === 0) continue;
    const err = Math.abs(v - x);
    if (err < bestErr || (err === bestErr && (h & 1) === 0 && (best & 1) === 1)) {
      best = h;
      bestErr = err;
    }
  }
  return best;
}

function samples(seed: number, n: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [0, -0, 1, -1, 65504, 65519.99, 65520, 1e-8, 5.960464477539063e-8, 2.9802322387695312e-8, 3e38, -3.4e38, 1 / 3];
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  while (out.length < n) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    u[0] = (t ^ (t >>> 14)) >>> 0;
    // keep exponents where both formats have interesting neighbours
    const e = (u[0] >>> 23) & 0xff;
    if (e === 255) continue;
    out.push(f[0]!);
  }
  return out.map((x) => Math.fround(x));
}

describe('f16 / bf16 host encoding', () => {
  it('f16 encoder is exact round-to-nearest-even (checked by exhaustive search)', () => {
    for (const x of samples(1, 300)) {
      if (Math.abs(x) > 65504) continue;
      const want = nearestBits(x, f16BitsToF32);
      const got = f32ToF16Bits(x);
      if (f16BitsToF32(want) === 0 && f16BitsToF32(got) === 0) continue; // signed zero choice
      expect(got, `x=${x}`).toBe(want);
    }
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(-Infinity)).toBe(0xfc00);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
  });

  it('bf16 encoder is exact round-to-nearest-even', () => {
    for (const x of samples(2, 300)) {
      const want = nearestBits(x, bf16BitsToF32);
      const got = f32ToBf16Bits(x);
      if (want < 0 || bf16BitsToF32(want) === 0) continue;
      if (Math.abs(x) > 3.3895313892515355e38) continue;
      expect(got, `x=${x}`).toBe(want);
    }
  });

  it('NaN is written as PyTorch writes it (bf16 0x7FC0, f16 sign | 0x7E00), on the host and natively', async () => {
    const bits = new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fffffff]);
    const vals = new Float32Array(bits.buffer);
    const want = { bf16: [0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0], f16: [0x7e00, 0xfe00, 0x7e00, 0xfe00, 0x7e00] };
    for (const dtype of ['bf16', 'f16'] as const) {
      const enc = dtype === 'bf16' ? f32ToBf16Bits : f32ToF16Bits;
      expect(Array.from(vals, enc)).toEqual(want[dtype]);
      const x = Tensor.from(vals);
      const y = ops.cast(x, dtype);
      expect(Array.from((await y.data()) as Uint16Array)).toEqual(want[dtype]);
      x.dispose();
      y.dispose();
    }
  });

  for (const dtype of ['f16', 'bf16'] as const) {
    it(`host encoder and the native ${dtype} cast agree bit for bit on 100k values`, async () => {
      const vals = Float32Array.from(samples(dtype === 'f16' ? 3 : 4, 100_000));
      const x = Tensor.from(vals);
      const native = ops.cast(x, dtype);
      const host = Tensor.from(vals, { dtype });
      expect(await native.data()).toEqual(await host.data());
      // and decoding agrees with a native cast back to f32
      const back = ops.cast(native, 'f32');
      expect(await back.toArray()).toEqual(await host.toArray());
      for (const t of [x, native, host, back]) t.dispose();
    });
  }
});
