// File mappings: CPU tensors are views into the mapped file (no copy) when aligned, copies
// otherwise; bad paths and ranges are typed errors; the mapping outlives its JS object.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelError, devices } from '../../src/index.js';
import { FileMapping } from '../../src/io/mapping.js';

const dir = mkdtempSync(join(tmpdir(), 'xemb-map-'));
// 8 bytes of header, 6 f32 at offset 8, then 3 u16 words starting at the odd offset 33
const f32 = new Float32Array([1.5, -2, 3.25, 4, 5, -6]);
const file = join(dir, 'blob.bin');
const bytes = new Uint8Array(8 + 24 + 1 + 6);
bytes.set(new Uint8Array(f32.buffer), 8);
bytes.set([0x80, 0x3f, 0x00, 0x40, 0x40, 0x40], 33); // bf16 1, 2, 3
writeFileSync(file, bytes);

describe('file mappings', () => {
  it('an aligned CPU tensor is a zero-copy view into the mapping', async () => {
    const m = FileMapping.open(file);
    expect(m.size).toBe(bytes.length);
    const t = m.tensor(8, 'f32', [2, 3]);
    const [addr] = t.handle.storage;
    expect(addr).toBe(m.address + 8n);
    expect(Array.from((await t.toArray()) as Float32Array)).toEqual(Array.from(f32));
    t.dispose();
  });

  it('misaligned data and other devices get a copy with the same values', async () => {
    const m = FileMapping.open(file);
    const t = m.tensor(33, 'bf16', [3]);
    const [addr] = t.handle.storage;
    expect(addr < m.address || addr >= m.address + BigInt(m.size)).toBe(true);
    expect(Array.from((await t.toArray()) as Float32Array)).toEqual([1, 2, 3]);
    t.dispose();
    if (devices().some((d) => d.id === 'cuda-emu')) {
      const e = m.tensor(8, 'f32', [6], 'cuda-emu');
      expect(Array.from((await e.toArray()) as Float32Array)).toEqual(Array.from(f32));
      e.dispose();
    }
  });

  it('views keep the file mapped after the FileMapping object is gone', async () => {
    const t = (() => FileMapping.open(file).tensor(8, 'f32', [6]))();
    for (let i = 0; i < 3; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(Array.from((await t.toArray()) as Float32Array)).toEqual(Array.from(f32));
    t.dispose();
  });

  it('bad paths and ranges are typed errors', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return null;
    };
    const missing = err(() => FileMapping.open(join(dir, 'nope.bin'))) as KernelError;
    expect(missing).toBeInstanceOf(KernelError);
    expect(missing.code).toBe('IO_ERROR');
    expect(missing.message).toMatch(/nope\.bin/);
    expect((err(() => FileMapping.open(dir)) as KernelError).message).toMatch(/not a regular file/);
    const m = FileMapping.open(file);
    const past = err(() => m.tensor(36, 'f32', [2])) as KernelError;
    expect(past.code).toBe('INVALID_ARGUMENT');
    expect(past.message).toMatch(/inside .*blob\.bin of 39 bytes/);
    expect(err(() => m.tensor(-1, 'f32', [1]))).toBeInstanceOf(RangeError);
    expect(err(() => m.tensor(2 ** 60, 'f32', [1]))).toBeInstanceOf(RangeError);
  });
});
