// The harness itself: guard bands catch overruns, the CUDA notice, and the comparison helpers
// reject what they must (a harness that cannot fail would hide every op failure).
import { describe, expect, it } from 'vitest';
import { guardBandsEnabled, guardViolations, ops, synchronize } from '../src/index.js';
import { debugPoke } from '../src/debug.js';
import { backends } from './harness/backends.js';
import { expectClose, expectExact, nmse } from './harness/compare.js';
import { expectNoGuardViolations } from './harness/guard.js';
import { Rng, randomStorage } from './harness/random.js';
import { ALL_DTYPES } from './reference/cast.js';

describe('guard bands', () => {
  it('are on under vitest', () => {
    expect(guardBandsEnabled()).toBe(true);
  });

  for (const dev of backends()) {
    it(`${dev}: a write one byte past the end is reported once, naming the producer`, async () => {
      const t = ops.fill([7], 1, { device: dev });
      debugPoke(t, t.nbytes, 0);
      t.dispose();
      await synchronize(dev);
      const v = guardViolations();
      expect(v).toHaveLength(1);
      expect(v[0]).toMatch(/fill/);
      expect(v[0]).toMatch(/28-byte output/);
      expect(v[0]).toMatch(/first damaged byte at offset 28, past the end/);
      await expectNoGuardViolations();
    });

    it(`${dev}: a write one byte before the start is reported once, naming the producer`, async () => {
      const t = ops.arange(0, 5, { device: dev, dtype: 'i64' });
      debugPoke(t, -1, 0);
      t.dispose();
      await synchronize(dev);
      const v = guardViolations();
      expect(v).toHaveLength(1);
      expect(v[0]).toMatch(/arange/);
      expect(v[0]).toMatch(/first damaged byte at offset -1, before the start/);
      await expectNoGuardViolations();
    });

    it(`${dev}: an untouched block reports nothing, and pokes inside the data are refused`, async () => {
      const t = ops.fill([3], 1, { device: dev });
      expect(() => debugPoke(t, 0, 0)).toThrowError(RangeError);
      t.dispose();
      await expectNoGuardViolations();
    });
  }
});

describe('compare helpers', () => {
  it('nmse is normalized, and plain MSE for an all-zero reference', () => {
    expect(nmse([1, 2], [1, 2])).toBe(0);
    expect(nmse([1.1, 2], [1, 2])).toBeCloseTo(0.01 / 5, 15);
    expect(nmse([0.5, 0], [0, 0])).toBeCloseTo(0.125, 15);
    expect(nmse([1], [1, 2])).toBe(Infinity);
  });
  it('NaN in the result fails unless the reference has NaN at the same place', () => {
    expect(() => expectClose([NaN, 1], [1, 1], { nmse: 1 })).toThrow(/NaN/);
    expect(() => expectClose([1, NaN], [NaN, 1], { nmse: 1 })).toThrow(/NaN/);
    expect(() => expectClose([NaN, 1], [NaN, 1], { nmse: 0 })).not.toThrow();
    expect(nmse([NaN], [1])).toBe(Infinity);
  });
  it('infinities must match in sign', () => {
    expect(() => expectClose([Infinity], [-Infinity], { nmse: 1 })).toThrow(/infinity/);
    expect(() => expectClose([1e300], [Infinity], { nmse: 1 })).toThrow(/infinities/);
    expect(() => expectClose([Infinity, 2], [Infinity, 2], { nmse: 0 })).not.toThrow();
  });
  it('expectClose reports the threshold and the worst element', () => {
    expect(() => expectClose([1, 2, 4], [1, 2, 3], { nmse: 1e-3, label: 'x' })).toThrow(/x: nmse .* index 2: received 4, expected 3/);
  });
  it('expectExact is bitwise for floats: -0 differs from 0, NaN only where expected', () => {
    expect(() => expectExact(new Float32Array([-0]), new Float32Array([0]))).toThrow(/received -0, expected 0/);
    expect(() => expectExact(new Float32Array([NaN]), new Float32Array([1]))).toThrow(/index 0/);
    expect(() => expectExact(new Float32Array([NaN, 1]), new Float32Array([NaN, 1]))).not.toThrow();
    expect(() => expectExact(new Uint16Array([0x7e00]), new Uint16Array([0x7c01]), { dtype: 'f16' })).not.toThrow();
    expect(() => expectExact(new Uint16Array([0x3c00]), new Uint16Array([0x3c01]), { dtype: 'f16' })).toThrow(/0x3c00/);
    expect(() => expectExact(new BigInt64Array([1n]), new BigInt64Array([2n]))).toThrow(/1n/);
    expect(() => expectExact([1, 2], [1])).toThrow(/2 elements/);
  });
});

describe('random inputs', () => {
  it('are seeded, never zero, never all-equal', () => {
    for (const d of ALL_DTYPES) {
      const a = randomStorage(d, 257, new Rng(5));
      const b = randomStorage(d, 257, new Rng(5));
      expect(Array.from(a as ArrayLike<number | bigint>)).toEqual(Array.from(b as ArrayLike<number | bigint>));
      const vals = Array.from(a as ArrayLike<number | bigint>);
      expect(new Set(vals).size, d).toBeGreaterThan(1);
      if (d !== 'bool') expect(vals.some((x) => x === 0 || x === 0n || (d !== 'f32' && d.endsWith('f16') && ((x as number) & 0x7fff) === 0)), d).toBe(false);
    }
  });
});
