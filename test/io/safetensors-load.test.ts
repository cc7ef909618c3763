// How tensors get from a mapped file to a device:
// - CPU loads through openSafetensors and loadCheckpoint are zero-copy views of the file mapping
//   (proved with /proc/self/maps, an oracle independent of our code) that keep the file mapped
//   after the reader is closed, until the last tensor is disposed;
// - misaligned tensors are copied and still read exactly;
// - uploads to non-CPU devices (cuda-emu in CI, cuda when present) run the staged pipeline:
//   bytes identical to the file, many chunks (odd chunk sizes, ring wrap-around), abort;
// - dtype conversion happens on the target device and frees the raw upload.
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  KernelError,
  SafetensorsError,
  Tensor,
  loadCheckpoint,
  memoryStats,
  ops,
  openSafetensors,
  synchronize,
  tensorStats,
  type DeviceId,
} from '../../src/index.js';
import { binding } from '../../src/binding.js';
import { FileMapping } from '../../src/io/mapping.js';
import { uploadTuning } from '../../src/io/safetensors/reader.js';
import { backends } from '../harness/backends.js';
import { buildValid, tempDir, type Spec } from './safetensors-helpers.js';

const tmp = tempDir('load');
afterAll(() => tmp.cleanup());
afterEach(() => {
  uploadTuning.chunkBytes = undefined;
});

const UPLOAD_DEVICES = backends().filter((d) => d !== 'cpu');

/** [start, end) of every mapping of `file` in this process, from the kernel's own table. */
function mappedRanges(file: string): [bigint, bigint][] {
  const real = realpathSync(file);
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.endsWith(` ${real}`))
    .map((l) => l.split(' ')[0]!.split('-').map((h) => BigInt(`0x${h}`)) as [bigint, bigint]);
}

const inside = (addr: bigint, ranges: [bigint, bigint][]) => ranges.some(([a, b]) => addr >= a && addr < b);

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 5));
  }
  await synchronize('cpu');
}

let seed = 12345;
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

/** Random values that are valid for the dtype (bool: 0/1) so loads compare byte for byte. */
function spec(name: string, dtype: string, shape: number[]): Spec {
  const size = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1 }[dtype]!;
  const data = randomBytes(shape.reduce((a, b) => a * b, 1) * size);
  if (dtype === 'BOOL') data.forEach((b, i) => (data[i] = b & 1));
  return { name, dtype, shape, data };
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('CPU loads are zero-copy views of the mapping', () => {
  // 8-byte aligned layout: every tensor size is a multiple of 8
  const specs = [spec('w', 'F32', [4, 6]), spec('h', 'BF16', [8]), spec('ids', 'I64', [3]), spec('half', 'F16', [2, 4]), spec('b', 'U8', [16])];
  const path = tmp.write('aligned.safetensors', buildValid(specs));

  it('openSafetensors: data pointers lie in the mapping at the tensor offsets; values survive close() and GC', async () => {
    const f = await openSafetensors(path);
    const [base, size] = f.mappedRange;
    expect(size).toBe(f.fileSize);
    const loaded = new Map<string, Tensor>();
    for (const info of f.tensors) {
      const t = await f.load(info.name);
      const [addr] = t.handle.storage;
      expect(addr).toBe(base + BigInt(f.dataStart + info.dataOffsets[0]));
      expect(inside(addr, mappedRanges(path))).toBe(true);
      loaded.set(info.name, t);
    }
    await f.close();
    await settle();
    expect(mappedRanges(path).length).toBeGreaterThan(0); // the tensors keep it mapped
    for (const s of specs) expect(bytesOf(await loaded.get(s.name)!.data()).equals(Buffer.from(s.data))).toBe(true);
    for (const t of loaded.values()) t.dispose();
    await settle();
    expect(mappedRanges(path)).toEqual([]); // the last view unmapped it
  });

  it('loadCheckpoint: every CPU tensor points into the (closed) checkpoint file mapping', async () => {
    const m = await loadCheckpoint(path);
    await settle();
    const ranges = mappedRanges(path);
    expect(ranges.length).toBeGreaterThan(0);
    for (const s of specs) {
      const t = m.get(s.name)!;
      expect(inside(t.handle.storage[0], ranges)).toBe(true);
      expect(bytesOf(await t.data()).equals(Buffer.from(s.data))).toBe(true);
    }
    for (const t of m.values()) t.dispose();
    await settle();
    expect(mappedRanges(path)).toEqual([]);
  });

  it('a load with another dtype casts from the view into fresh memory; the mapping is released after', async () => {
    const f = await openSafetensors(path);
    const t = await f.load('h', { dtype: 'f32' });
    await f.close();
    expect(inside(t.handle.storage[0], mappedRanges(path))).toBe(false);
    const dv = new DataView(specs[1]!.data.buffer);
    const want = Array.from({ length: 8 }, (_, i) => new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]!);
    expect(Array.from((await t.toArray()) as Float32Array)).toEqual(want);
    t.dispose();
    await settle();
    expect(mappedRanges(path)).toEqual([]);
  });
});

describe('misaligned tensors are copied and read exactly', () => {
  // a 3-byte U8 first puts every later tensor at an odd file offset (the header is 8-aligned)
  const specs = [spec('pad', 'U8', [3]), spec('f', 'F32', [5]), spec('bf', 'BF16', [3]), spec('pad2', 'U8', [2]), spec('i', 'I64', [2]), spec('flag', 'BOOL', [3])];
  const path = tmp.write('misaligned.safetensors', buildValid(specs));

  it('F32 / BF16 / I64 at offsets that are not multiples of their size', async () => {
    await using f = await openSafetensors(path);
    const [base, size] = f.mappedRange;
    for (const s of specs) {
      const info = f.info(s.name)!;
      const at = f.dataStart + info.dataOffsets[0];
      const elem = s.dtype === 'F32' ? 4 : s.dtype === 'BF16' ? 2 : s.dtype === 'I64' ? 8 : 1;
      if (elem > 1) expect(at % elem).not.toBe(0);
      const t = await f.load(s.name);
      const [addr] = t.handle.storage;
      expect(addr >= base && addr < base + BigInt(size)).toBe(elem === 1 && s.dtype !== 'BOOL');
      expect(addr % BigInt(elem)).toBe(0n);
      expect(bytesOf(await t.data()).equals(Buffer.from(s.data))).toBe(true);
      t.dispose();
    }
    const dv = new DataView(specs[1]!.data.buffer);
    const f32 = await f.load('f', { dtype: 'bf16' });
    const back = (await f32.toArray()) as Float32Array;
    for (let i = 0; i < 5; i++) {
      const x = dv.getFloat32(4 * i, true);
      if (Number.isFinite(x)) expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    }
  });
});

describe.each(UPLOAD_DEVICES)('uploads to %s through the staging pipeline', (device: DeviceId) => {
  const specs = [
    spec('a', 'F32', [37, 29]), // 4292 bytes
    spec('one', 'U8', [1]),
    spec('b', 'BF16', [4099]),
    spec('c', 'I64', [3, 7]),
    spec('d', 'F16', [1001]),
    spec('e', 'I32', [0, 5]),
    spec('m', 'BOOL', [13]),
  ];
  const path = tmp.write(`upload-${device}.safetensors`, buildValid(specs));

  it('every dtype, sizes from 0 to many chunks, identical to the file and to CPU loads (chunks of 1000 and 4096 bytes)', async () => {
    await using f = await openSafetensors(path);
    for (const chunk of [1000, 4096, undefined]) {
      uploadTuning.chunkBytes = chunk;
      for (const s of specs) {
        const t = await f.load(s.name, { device });
        expect([t.device, t.shape]).toEqual([device, s.shape]);
        expect(bytesOf(await t.data()).equals(Buffer.from(s.data))).toBe(true);
        t.dispose();
      }
    }
    // misaligned source offsets upload unchanged
    const odd = [spec('pad', 'U8', [5]), spec('x', 'F32', [999]), spec('y', 'BF16', [77])];
    await using g = await openSafetensors(tmp.write(`odd-${device}.safetensors`, buildValid(odd)));
    uploadTuning.chunkBytes = 333;
    for (const s of odd) {
      const t = await g.load(s.name, { device });
      const c = await g.load(s.name);
      expect(bytesOf(await t.data()).equals(bytesOf(await c.data()))).toBe(true);
      expect(bytesOf(await t.data()).equals(Buffer.from(s.data))).toBe(true);
    }
  });

  it('a file larger than the default staging slots (16 MiB x 3) loads exactly', async () => {
    const big = [spec('big', 'F32', [5, 2_100_003]), spec('tail', 'U8', [7])];
    const p = tmp.write(`big-${device}.safetensors`, buildValid(big));
    const m = await loadCheckpoint(p, { device });
    expect(bytesOf(await m.get('big')!.data()).equals(Buffer.from(big[0]!.data))).toBe(true);
    expect(bytesOf(await m.get('tail')!.data()).equals(Buffer.from(big[1]!.data))).toBe(true);
    for (const t of m.values()) t.dispose();
  });

  it('dtype conversion on the device: raw upload, cast there, raw freed', async () => {
    await using f = await openSafetensors(path);
    uploadTuning.chunkBytes = 1000;
    await synchronize(device);
    const before = memoryStats(device).allocated;
    const t = await f.load('a', { device, dtype: 'bf16' });
    await synchronize(device);
    const held = memoryStats(device).allocated - before;
    // only the bf16 result is left: as much as one bf16 tensor of that shape (allocators round)
    const ref = Tensor.from(new Uint16Array(37 * 29), { shape: [37, 29], dtype: 'bf16', device });
    await synchronize(device);
    expect(memoryStats(device).allocated - before - held).toBe(held);
    ref.dispose();
    const cpu = await f.load('a', { dtype: 'bf16' });
    expect(bytesOf(await t.data()).equals(bytesOf(await cpu.data()))).toBe(true);
    t.dispose();
    cpu.dispose();
  });

  it('abort: an upload queued behind other work is cancelled, rejects ABORTED, frees its tensor, and the device stays usable', async () => {
    await using f = await openSafetensors(path);
    uploadTuning.chunkBytes = 64;
    const live = tensorStats().live;
    // keep the queue busy so that the abort lands before the upload has run (on cuda-emu the
    // matmul runs on the queue thread; on a GPU it is only launched, so either outcome is legal)
    const x = ops.randomUniform([64, 64], { seed: 3, device });
    const busy = ops.matmul(x, x);
    const ac = new AbortController();
    const p = f.load('b', { device, signal: ac.signal });
    ac.abort(new Error('stop'));
    const r = await p.then((t) => t, (e: unknown) => e);
    if (device === 'cuda-emu' || !(r instanceof Tensor)) {
      expect(r).toBeInstanceOf(SafetensorsError);
      expect(r).toMatchObject({ code: 'ABORTED', tensor: 'b' });
      expect(((r as Error).cause as Error).message).toBe('stop');
    } else {
      r.dispose();
    }
    x.dispose();
    busy.dispose();
    expect(tensorStats().live).toBe(live);
    await synchronize(device); // a cancellation is not a device failure
    await expect(f.load('b', { device, signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    const ok = await f.load('b', { device });
    expect(bytesOf(await ok.data()).equals(Buffer.from(specs[2]!.data))).toBe(true);
    ok.dispose();
  });

  it('loadCheckpoint aborted during uploads disposes everything it made', async () => {
    uploadTuning.chunkBytes = 256;
    const live = tensorStats().live;
    const ac = new AbortController();
    const err = await loadCheckpoint(path, {
      device,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.loadedBytes > 0) ac.abort();
      },
    }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    await synchronize(device);
    expect(tensorStats().live).toBe(live);
  });

  it('FileMapping.upload: typed errors for the CPU, ranges past the end, and a released mapping', async () => {
    const fm = FileMapping.open(path);
    expect(() => fm.upload(0, 'f32', [1], 'cpu')).toThrow(KernelError);
    const past = (() => {
      try {
        fm.upload(fm.size - 2, 'f32', [1], device);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(past).toBeInstanceOf(KernelError);
    expect((past as KernelError).code).toBe('INVALID_ARGUMENT');
    const { tensor, done } = fm.upload(8, 'u8', [4], device);
    await done;
    expect(Array.from((await tensor.toArray()) as Uint8Array)).toEqual(Array.from(readFileSync(path).subarray(8, 12)));
    tensor.dispose();
    fm.release();
    expect(() => fm.tensor(8, 'u8', [1])).toThrow(/release/);
  });

  it('h2dBandwidth (the GPU kit\'s ceiling for uploads) measures a positive rate and rejects bad sizes', async () => {
    expect(await binding.h2dBandwidth(device, 1 << 20, 2)).toBeGreaterThan(0);
    expect(() => binding.h2dBandwidth(device, 0, 2)).toThrow(RangeError);
    expect(() => binding.h2dBandwidth(device, 1024, 0)).toThrow(RangeError);
  });
});
