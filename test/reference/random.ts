// Oracle for random_uniform / random_normal: Philox4x32-10 (Salmon et al., SC'11; Random123) in TS,
// checked against the published known-answer vectors, and fp64 transforms on top of it.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (exact, via 16-bit limbs). */
export function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const lo = a0 * b0;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const mid = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** Philox4x32 with 10 rounds: counter [c0..c3], key [k0, k1] -> 4 uint32 words. */
export function philox4x32(ctr: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = ctr.map((x) => x >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((x) => x >>> 0) as [number, number];
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

const lo32 = (x: bigint) => Number(x & 0xffffffffn);
const hi32 = (x: bigint) => Number((x >> 32n) & 0xffffffffn);

/**
 * The 32 random bits of element `index` of stream (seed, offset): counter (index/4 as 64-bit lo/hi
 * words, offset lo/hi), key (seed lo, seed hi), word index % 4.
 */
export function philoxBits(seed: bigint, offset: bigint, index: number): number {
  const block = BigInt(Math.floor(index / 4));
  return philox4x32([lo32(block), hi32(block), lo32(offset), hi32(offset)], [lo32(seed), hi32(seed)])[index % 4]!;
}

/** Bits for elements 0..n-1 (one Philox call per block of four). */
export function philoxStream(seed: bigint, offset: bigint, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const key: [number, number] = [lo32(seed), hi32(seed)];
  for (let b = 0; b * 4 < n; b++) {
    const blk = BigInt(b);
    const w = philox4x32([lo32(blk), hi32(blk), lo32(offset), hi32(offset)], key);
    for (let j = 0; j < 4 && b * 4 + j < n; j++) out[b * 4 + j] = w[j]!;
  }
  return out;
}

/** [0, 1) with 24 random bits. */
export function unit(bits: number): number {
  return (bits >>> 8) * 2 ** -24;
}

/** fp64 uniform values low + (high - low) * u (before rounding to the output dtype). */
export function uniformRef(n: number, seed: bigint, offset: bigint, low: number, high: number): Float64Array {
  const bits = philoxStream(seed, offset, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * unit(bits[i]!);
  return out;
}

/** fp64 Box-Muller: element 2j uses cos, 2j+1 sin, of the pair (bits 2j, bits 2j+1). */
export function normalRef(n: number, seed: bigint, offset: bigint, mean: number, std: number): Float64Array {
  const bits = philoxStream(seed, offset, n + (n & 1));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = i - (i & 1);
    const u1 = 1 - unit(bits[j]!);
    const u2 = unit(bits[j + 1]!);
    const rad = Math.sqrt(-2 * Math.log(u1));
    const z = rad * (i & 1 ? Math.sin(2 * Math.PI * u2) : Math.cos(2 * Math.PI * u2));
    out[i] = mean + std * z;
  }
  return out;
}

/** Complementary error function (Numerical Recipes' erfcc: fractional error < 1.2e-7 everywhere,
 * ample for a KS check at the 1e-3 level). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Kolmogorov-Smirnov statistic sup |F_n - F| of `samples` against `cdf`. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}
