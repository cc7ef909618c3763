// Save -> open/load round trips for every dtype, the fixtures of an independent writer
// (tools/make-safetensors-fixtures.py) read exactly and re-written byte for byte, dtype conversion
// on load, sharded checkpoints (progress, filter, abort), and the writer's temp-file + rename.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DisposedError,
  SafetensorsError,
  Tensor,
  loadCheckpoint,
  openSafetensors,
  saveSafetensors,
  tensorStats,
  type CheckpointProgress,
  type DType,
} from '../../src/index.js';
import { F8_E4M3_TABLE, F8_E5M2_TABLE } from '../../src/io/safetensors/reader.js';
import { tempDir } from './safetensors-helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/safetensors');
const tmp = tempDir('roundtrip');
afterAll(() => tmp.cleanup());

interface Expected {
  metadata: Record<string, string> | null;
  tensors: Record<string, { dtype: string; shape: number[]; hex: string; values: (number | string)[] | null }>;
}
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, Expected>;

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Decodes an expected value written by the Python script. */
function num(v: number | string): number {
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);
}

function sameFloats(got: ArrayLike<number>, want: readonly (number | string)[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    // Object.is: -0 and NaN are compared exactly
    if (!Object.is(got[i], num(want[i]!))) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

function randomTensor(dtype: DType, shape: number[], rnd: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (dtype) {
    case 'f32':
      return Tensor.from(Float32Array.from({ length: n }, () => (rnd() - 0.5) * 1e3), { shape });
    case 'f16':
    case 'bf16':
      // raw bits, NaN and infinity patterns included
      return Tensor.from(Uint16Array.from({ length: n }, () => Math.floor(rnd() * 65536)), { shape, dtype });
    case 'i32':
      return Tensor.from(Int32Array.from({ length: n }, () => Math.floor((rnd() - 0.5) * 2 ** 32)), { shape });
    case 'i64':
      return Tensor.from(BigInt64Array.from({ length: n }, () => BigInt.asIntN(64, BigInt(Math.floor(rnd() * 2 ** 53)) * 4099n)), { shape, dtype });
    case 'u8':
      return Tensor.from(Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)), { shape });
    case 'bool':
      return Tensor.from(Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0)), { shape, dtype });
  }
}

const DTYPES: DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8', 'bool'];
const NAMES = { f32: 'F32', f16: 'F16', bf16: 'BF16', i32: 'I32', i64: 'I64', u8: 'U8', bool: 'BOOL' } as const;

describe('save -> open -> load', () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: values, rank-0 scalar, empty tensors, metadata`, async () => {
      const rnd = seeded(DTYPES.indexOf(dtype) + 1);
      const src = {
        'layer.weight': randomTensor(dtype, [3, 5], rnd),
        'layer.odd': randomTensor(dtype, [7], rnd),
        scalar: randomTensor(dtype, [], rnd),
        empty: randomTensor(dtype, [0, 4], rnd),
        'empty.tail': randomTensor(dtype, [2, 0], rnd),
      };
      const path = join(tmp.dir, `rt-${dtype}.safetensors`);
      await saveSafetensors(path, src, { format: 'pt', dtype });
      await using f = await openSafetensors(path);
      expect(f.metadata).toEqual({ format: 'pt', dtype });
      expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(
        expect.arrayContaining(Object.entries(src).map(([k, t]) => [k, NAMES[dtype], t.shape])),
      );
      for (const [name, t] of Object.entries(src)) {
        const got = await f.load(name);
        expect(got.dtype).toBe(dtype);
        expect(got.shape).toEqual(t.shape);
        expect(bytesOf(await got.data()).equals(bytesOf(await t.data()))).toBe(true);
        got.dispose();
        t.dispose();
      }
    });
  }

  it('views are written in row-major order of the view (a transposed tensor)', async () => {
    const m = Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    const path = join(tmp.dir, 'view.safetensors');
    await saveSafetensors(path, new Map([['t', m.transpose(0, 1)]]));
    await using f = await openSafetensors(path);
    const t = await f.load('t');
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from((await t.toArray()) as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('files are 8-byte aligned per tensor: dtypes sorted by descending alignment, header padded', async () => {
    const path = join(tmp.dir, 'align.safetensors');
    await saveSafetensors(path, { a: Tensor.from([true]), b: Tensor.from([1], { dtype: 'i64' }), c: Tensor.from([1], { dtype: 'f16' }), d: Tensor.from([1]) });
    await using f = await openSafetensors(path);
    expect(f.headerSize % 8).toBe(0);
    expect(f.tensors.map((t) => t.dtype)).toEqual(['I64', 'F32', 'F16', 'BOOL']);
    for (const t of f.tensors) expect((f.dataStart + t.dataOffsets[0]) % (t.byteSize || 1)).toBe(0);
  });

  it('load converts on the device: f32 -> bf16 on cuda-emu, f16 -> f32 on cpu', async () => {
    const path = join(tmp.dir, 'convert.safetensors');
    await saveSafetensors(path, { w: Tensor.from([1, 1.00390625, -3.5]), h: Tensor.from([0.5, -2], { dtype: 'f16' }) });
    await using f = await openSafetensors(path);
    const w = await f.load('w', { device: 'cuda-emu', dtype: 'bf16' });
    expect([w.device, w.dtype]).toEqual(['cuda-emu', 'bf16']);
    expect(Array.from((await w.toArray()) as Float32Array)).toEqual([1, 1, -3.5]); // 1 + 2^-8 ties to even
    const h = await f.load('h', { dtype: 'f32' });
    expect(Array.from((await h.toArray()) as Float32Array)).toEqual([0.5, -2]);
  });

  it('load errors: unknown name (NOT_FOUND), bad options (TypeError), after close (DisposedError)', async () => {
    const path = join(tmp.dir, 'errors.safetensors');
    await saveSafetensors(path, { w: Tensor.from([1]) });
    const f = await openSafetensors(path);
    await expect(f.load('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', tensor: 'nope' });
    await expect(f.load('w', { dtype: 'f64' as DType })).rejects.toThrow(TypeError);
    await expect(f.load('w', { device: 'tpu' as 'cpu' })).rejects.toThrow(TypeError);
    await f.close();
    await f.close();
    await expect(f.load('w')).rejects.toThrow(DisposedError);
    await expect(openSafetensors(join(tmp.dir, 'missing.safetensors'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(openSafetensors(tmp.dir)).rejects.toMatchObject({ code: 'IO' });
    // a FIFO would block open() until a writer appears: refused before opening
    const fifo = join(tmp.dir, 'fifo.safetensors');
    execFileSync('mkfifo', [fifo]);
    await expect(openSafetensors(fifo)).rejects.toMatchObject({ code: 'IO', reason: 'not a regular file' });
  });
});

describe('fixtures from the independent Python writer', () => {
  it('our-dtypes.safetensors: table, metadata, raw bytes and values read exactly', async () => {
    const want = expected['our-dtypes.safetensors']!;
    await using f = await openSafetensors(join(FIX, 'our-dtypes.safetensors'));
    expect(f.metadata).toEqual(want.metadata);
    expect(new Set(f.tensors.map((t) => t.name))).toEqual(new Set(Object.keys(want.tensors)));
    for (const [name, w] of Object.entries(want.tensors)) {
      expect(f.info(name)).toMatchObject({ dtype: w.dtype, shape: w.shape, byteSize: w.hex.length / 2 });
      const t = await f.load(name);
      expect(bytesOf(await t.data()).toString('hex')).toBe(w.hex);
      const values = await t.toArray();
      if (t.dtype === 'i64') expect(Array.from(values as BigInt64Array, String)).toEqual(w.values);
      else if (t.dtype === 'f32' || t.dtype === 'f16' || t.dtype === 'bf16') sameFloats(values as Float32Array, w.values!);
      else expect(Array.from(values as ArrayLike<number>)).toEqual(w.values);
      t.dispose();
    }
  });

  it('loadable-others.safetensors: F64 -> f32, I16/I8 -> i32, every F8_E4M3 and F8_E5M2 byte -> f32', async () => {
    const want = expected['loadable-others.safetensors']!;
    await using f = await openSafetensors(join(FIX, 'loadable-others.safetensors'));
    for (const [name, w] of Object.entries(want.tensors)) {
      const t = await f.load(name);
      expect(t.shape).toEqual(w.shape);
      const values = await t.toArray();
      if (w.dtype === 'I16' || w.dtype === 'I8') {
        expect(t.dtype).toBe('i32');
        expect(Array.from(values as Int32Array)).toEqual(w.values);
      } else {
        expect(t.dtype).toBe('f32');
        sameFloats(values as Float32Array, w.values!);
      }
    }
    sameFloats(F8_E4M3_TABLE, want.tensors['f8_e4m3']!.values!);
    sameFloats(F8_E5M2_TABLE, want.tensors['f8_e5m2']!.values!);
  });

  it('F64 to integer and bool targets converts the exact double (2^24 + 1, saturation, NaN, 1e-50 != 0)', async () => {
    await using f = await openSafetensors(join(FIX, 'loadable-others.safetensors'));
    // doubles: 0, -0, 1, 0.1, 1/3, 16777217, 1e300, -1e300, 1e-50, inf, -inf, nan
    expect(Array.from((await (await f.load('f64', { dtype: 'i32' })).toArray()) as Int32Array)).toEqual([0, 0, 1, 0, 0, 16777217, 2 ** 31 - 1, -(2 ** 31), 0, 2 ** 31 - 1, -(2 ** 31), 0]);
    expect(Array.from((await (await f.load('f64', { dtype: 'i64' })).toArray()) as BigInt64Array)).toEqual([0n, 0n, 1n, 0n, 0n, 16777217n, 2n ** 63n - 1n, -(2n ** 63n), 0n, 2n ** 63n - 1n, -(2n ** 63n), 0n]);
    expect(Array.from((await (await f.load('f64', { dtype: 'u8' })).toArray()) as Uint8Array)).toEqual([0, 0, 1, 0, 0, 255, 255, 0, 0, 255, 0, 0]);
    expect(Array.from((await (await f.load('f64', { dtype: 'bool' })).toArray()) as Uint8Array)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // floats go through f32 then the cast op (PyTorch's double -> BFloat16 path)
    const bf = (await (await f.load('f64', { dtype: 'bf16' })).toArray()) as Float32Array;
    sameFloats(bf.subarray(0, 6), [0, -0, 1, 0.10009765625, 0.333984375, 16777216]);
  });

  it('unsupported.safetensors: listed with their dtypes, load fails with UNSUPPORTED_DTYPE naming tensor and dtype', async () => {
    const want = expected['unsupported.safetensors']!;
    await using f = await openSafetensors(join(FIX, 'unsupported.safetensors'));
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape]).sort()).toEqual(Object.entries(want.tensors).map(([n, w]) => [n, w.dtype, w.shape]).sort());
    for (const [name, w] of Object.entries(want.tensors)) {
      const err = await f.load(name).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SafetensorsError);
      expect(err).toMatchObject({ code: 'UNSUPPORTED_DTYPE', tensor: name });
      expect((err as Error).message).toContain(w.dtype);
    }
  });

  it('our writer re-creates the fixture files byte for byte (single file and both shards)', async () => {
    const files = [
      ['our-dtypes.safetensors', expected['our-dtypes.safetensors']!.metadata],
      ['sharded/model-00001-of-00002.safetensors', { format: 'pt' }],
      ['sharded/model-00002-of-00002.safetensors', { format: 'pt' }],
    ] as const;
    for (const [rel, metadata] of files) {
      const original = readFileSync(join(FIX, rel));
      const loaded = new Map<string, Tensor>();
      {
        await using f = await openSafetensors(join(FIX, rel));
        for (const t of f.tensors) loaded.set(t.name, await f.load(t.name));
      }
      const out = join(tmp.dir, `resaved-${rel.replace('/', '-')}`);
      await saveSafetensors(out, loaded, metadata ?? undefined);
      expect(readFileSync(out).equals(original)).toBe(true);
    }
  });
});

describe('loadCheckpoint', () => {
  const SHARDED = join(FIX, 'sharded');

  it('sharded: every tensor from its shard, progress per file in bytes', async () => {
    const progress: CheckpointProgress[] = [];
    const m = await loadCheckpoint(SHARDED, { onProgress: (p) => progress.push({ ...p }) });
    expect([...m.keys()].sort()).toEqual(['head.ids', 'layers.0.b', 'layers.0.w', 'layers.1.w']);
    expect(Array.from((await m.get('layers.1.w')!.toArray()) as Float32Array)).toEqual([3, 4]);
    expect(Array.from((await m.get('layers.0.b')!.toArray()) as Float32Array)).toEqual([1, 2]);
    expect(m.get('head.ids')!.dtype).toBe('i64');
    const s1 = join(SHARDED, 'model-00001-of-00002.safetensors');
    const s2 = join(SHARDED, 'model-00002-of-00002.safetensors');
    expect(progress).toEqual([
      { file: s1, loadedBytes: 0, totalBytes: 12 },
      { file: s1, loadedBytes: 8, totalBytes: 12 },
      { file: s1, loadedBytes: 12, totalBytes: 12 },
      { file: s2, loadedBytes: 0, totalBytes: 16 },
      { file: s2, loadedBytes: 8, totalBytes: 16 },
      { file: s2, loadedBytes: 16, totalBytes: 16 },
    ]);
  });

  it('the index file itself can be given instead of its directory', async () => {
    const m = await loadCheckpoint(join(SHARDED, 'model.safetensors.index.json'));
    expect([...m.keys()].sort()).toEqual(['head.ids', 'layers.0.b', 'layers.0.w', 'layers.1.w']);
  });

  it('dtype converts floating tensors only; a function decides per tensor; filter selects', async () => {
    const m = await loadCheckpoint(SHARDED, { dtype: 'f16' });
    expect(Object.fromEntries([...m].map(([k, t]) => [k, t.dtype]))).toEqual({ 'head.ids': 'i64', 'layers.0.b': 'f16', 'layers.0.w': 'f16', 'layers.1.w': 'f16' });
    const g = await loadCheckpoint(SHARDED, { dtype: (info) => (info.name === 'layers.0.w' ? 'bf16' : undefined), filter: (name) => name.startsWith('layers.0.') });
    expect(Object.fromEntries([...g].map(([k, t]) => [k, t.dtype]))).toEqual({ 'layers.0.b': 'bf16', 'layers.0.w': 'bf16' });
  });

  it('a single file, and a directory holding model.safetensors', async () => {
    const dir = join(tmp.dir, 'single');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    await saveSafetensors(join(dir, 'model.safetensors'), { w: Tensor.from([1, 2]) });
    for (const p of [dir, join(dir, 'model.safetensors')]) {
      const m = await loadCheckpoint(p);
      expect(Array.from((await m.get('w')!.toArray()) as Float32Array)).toEqual([1, 2]);
    }
  });

  it('an AbortSignal stops between tensors, throws ABORTED and disposes what was loaded', async () => {
    const before = tensorStats().live;
    const ac = new AbortController();
    let calls = 0;
    const err = await loadCheckpoint(SHARDED, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.loadedBytes > 0 && ++calls === 2) ac.abort(new Error('user cancelled'));
      },
    }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(((err as Error).cause as Error).message).toBe('user cancelled');
    expect(tensorStats().live).toBe(before);
    ac.abort();
    await expect(loadCheckpoint(SHARDED, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('saveSafetensors', () => {
  it('replaces the file through a rename: an open reader keeps the old data, no temp file is left', async () => {
    const dir = join(tmp.dir, 'rename');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const path = join(dir, 'w.safetensors');
    await saveSafetensors(path, { w: Tensor.from([1, 2, 3]) });
    await using old = await openSafetensors(path);
    await saveSafetensors(path, { w: Tensor.from([7, 8, 9]) });
    expect(Array.from((await (await old.load('w')).toArray()) as Float32Array)).toEqual([1, 2, 3]);
    await using fresh = await openSafetensors(path);
    expect(Array.from((await (await fresh.load('w')).toArray()) as Float32Array)).toEqual([7, 8, 9]);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('a failure while writing leaves the target untouched and removes the temp file', async () => {
    const dir = join(tmp.dir, 'failure');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const path = join(dir, 'w.safetensors');
    await saveSafetensors(path, { w: Tensor.from([1]) });
    const before = readFileSync(path);
    // the header and tensor "a" are written before "b" fails to read back
    const b = Tensor.from([2]);
    Object.defineProperty(b, 'data', { value: () => Promise.reject(new Error('device lost')) });
    await expect(saveSafetensors(path, { a: Tensor.from([1]), b })).rejects.toThrow('device lost');
    const gone = Tensor.from([3]);
    gone.dispose();
    await expect(saveSafetensors(path, { gone })).rejects.toThrow(DisposedError);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('rejects names and metadata no reader could read back', async () => {
    const path = join(tmp.dir, 'bad.safetensors');
    await expect(saveSafetensors(path, { __metadata__: Tensor.from([1]) })).rejects.toThrow(RangeError);
    await expect(saveSafetensors(path, { ['\ud800']: Tensor.from([1]) })).rejects.toThrow(RangeError);
    await expect(saveSafetensors(path, { w: Tensor.from([1]) }, { n: 1 as unknown as string })).rejects.toThrow(TypeError);
    await expect(saveSafetensors(path, { w: [1] as unknown as Tensor })).rejects.toThrow(TypeError);
    expect(readdirSync(tmp.dir)).not.toContain('bad.safetensors');
  });
});
