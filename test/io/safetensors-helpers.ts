// Test-side safetensors builders and an independent acceptance oracle. Nothing here uses the
// library's writer or parser, so that tests compare two implementations.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BITS: Record<string, number> = {
  BOOL: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8,
  F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8, I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32,
  C64: 64, F64: 64, I64: 64, U64: 64,
};

const enc = new TextEncoder();

/** 8-byte LE length (default: the header's length) + header bytes + data. */
export function makeFile(header: string | Uint8Array, data: Uint8Array | number = 0, n?: bigint): Uint8Array {
  const h = typeof header === 'string' ? enc.encode(header) : header;
  const d = typeof data === 'number' ? Uint8Array.from({ length: data }, (_, i) => (i * 37 + 11) & 0xff) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

export interface Spec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** A valid file from specs, laid out in the given order, keys in `keyOrder` (default: same). */
export function buildValid(specs: readonly Spec[], metadata?: Record<string, string> | null, opts: { keyOrder?: number[]; pad?: string } = {}): Uint8Array {
  const entries: string[] = [];
  const offsets: [number, number][] = [];
  let off = 0;
  for (const s of specs) {
    offsets.push([off, off + s.data.length]);
    off += s.data.length;
  }
  const order = opts.keyOrder ?? specs.map((_, i) => i);
  for (const i of order) {
    const s = specs[i]!;
    entries.push(`${JSON.stringify(s.name)}:{"dtype":${JSON.stringify(s.dtype)},"shape":${JSON.stringify(s.shape)},"data_offsets":[${offsets[i]![0]},${offsets[i]![1]}]}`);
  }
  if (metadata) entries.unshift(`"__metadata__":${JSON.stringify(metadata)}`);
  const json = `{${entries.join(',')}}`;
  const padLen = (8 - (enc.encode(json).length % 8)) % 8;
  const header = json + (opts.pad ?? ' '.repeat(padLen));
  const data = new Uint8Array(off);
  let at = 0;
  for (const s of specs) {
    data.set(s.data, at);
    at += s.data.length;
  }
  return makeFile(header, data);
}

export interface OracleTensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A second, deliberately simple acceptance check built on JSON.parse (which keeps the last of
 * duplicate keys and accepts 2.0 / 1e2 / lone surrogate escapes, so it is looser on those points).
 * Returns the tensor table sorted by offset, or the reason for rejection.
 */
export function oracle(buf: Uint8Array): { tensors: OracleTensor[]; metadata: Record<string, string> | null; dataStart: number } | string {
  if (buf.length < 8) return 'small';
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n > 100_000_000n || n < 2n || 8n + n > BigInt(buf.length)) return 'length';
  const N = Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(8, 8 + N));
  } catch {
    return 'utf8';
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return 'json';
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return 'not object';
  const isUint = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 2 ** 53;
  let metadata: Record<string, string> | null = null;
  const tensors: OracleTensor[] = [];
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (k === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'metadata';
      if (!Object.values(v).every((x) => typeof x === 'string')) return 'metadata value';
      metadata = v as Record<string, string>;
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'entry';
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !(e.dtype in BITS)) return 'dtype';
    if (!Array.isArray(e.shape) || !e.shape.every(isUint)) return 'shape';
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every(isUint)) return 'offsets';
    tensors.push({ name: k, dtype: e.dtype, shape: e.shape as number[], begin: e.data_offsets[0] as number, end: e.data_offsets[1] as number });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0n;
  for (const t of tensors) {
    if (BigInt(t.begin) !== pos || t.end < t.begin) return 'tiling';
    pos = BigInt(t.end);
    let count = 1n;
    for (const d of t.shape) {
      count *= BigInt(d);
      if (count >= 1n << 64n) return 'overflow';
    }
    const bits = count * BigInt(BITS[t.dtype]!);
    if (bits >= 1n << 64n) return 'overflow';
    if (bits % 8n !== 0n || bits / 8n !== BigInt(t.end - t.begin)) return 'size';
  }
  if (8n + n + pos !== BigInt(buf.length)) return 'file size';
  return { tensors, metadata, dataStart: 8 + N };
}

/** A fresh directory under os.tmpdir(), removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void; write: (name: string, bytes: Uint8Array | string) => string } {
  const dir = mkdtempSync(join(tmpdir(), `xemb-${prefix}-`));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, bytes) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    },
  };
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
