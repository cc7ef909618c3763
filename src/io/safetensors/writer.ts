// saveSafetensors: writes the file the reference writer (safetensors tensor.rs `prepare` +
// `serialize_to_file`) would write for the same tensors, byte for byte:
// - tensors ordered by dtype, descending in the reference's enum order (I64/F64 first, BOOL last,
//   so each tensor starts aligned to its element size), then by name (UTF-8 byte order, as Rust
//   compares Strings);
// - header = compact JSON: `__metadata__` first when given, then the tensors in that order, each
//   `{"dtype":..,"shape":[..],"data_offsets":[BEGIN,END]}`, strings escaped as serde_json does;
// - header right-padded with spaces to a multiple of 8.
// The reference keeps metadata in a HashMap (random order); here its keys are sorted by UTF-8 bytes
// so that the same input always gives the same file.
//
// The file is written to a temporary file in the same directory and renamed over `path`: a file
// that is memory-mapped by a reader is never rewritten in place (reference #764).
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DType } from '../../dtype.js';
import { invalidParameter } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { SafetensorsError, quoteName } from './errors.js';
import { DTYPE_BITS, DTYPE_ORDER, MAX_HEADER_SIZE, type SafetensorsDType } from './format.js';

/** The safetensors dtype each library dtype is written as. */
export const SAVE_DTYPES: Readonly<Record<DType, SafetensorsDType>> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  i32: 'I32',
  i64: 'I64',
  u8: 'U8',
  bool: 'BOOL',
};

// a lone surrogate cannot be encoded as UTF-8; with the u flag only unpaired ones match
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function checkText(s: string, what: string): void {
  if (LONE_SURROGATE.test(s)) throw new RangeError(`Expected valid Unicode for ${what} but received a lone surrogate in ${quoteName(s)}`);
}

function byUtf8(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** One tensor to write, in the order it is written. */
export interface PlannedTensor {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  byteSize: number;
  dataOffsets: [number, number];
}

/**
 * The header bytes (padded) and the write order for tensors given as {name, dtype, shape,
 * byteSize}. Exposed for tests; saveSafetensors is the API.
 */
export function planSafetensors(
  tensors: readonly { name: string; dtype: SafetensorsDType; shape: readonly number[]; byteSize: number }[],
  metadata?: Readonly<Record<string, string>>,
): { header: Uint8Array; order: PlannedTensor[]; dataSize: number } {
  const keyed = tensors.map((t) => ({ t, key: Buffer.from(t.name, 'utf8') }));
  keyed.sort((a, b) => DTYPE_ORDER[b.t.dtype] - DTYPE_ORDER[a.t.dtype] || byUtf8(a.key, b.key));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata)
      .map((k) => ({ k, key: Buffer.from(k, 'utf8') }))
      .sort((a, b) => byUtf8(a.key, b.key));
    parts.push(`"__metadata__":{${keys.map(({ k }) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  const order: PlannedTensor[] = [];
  let offset = 0;
  for (const { t } of keyed) {
    const dataOffsets: [number, number] = [offset, offset + t.byteSize];
    offset += t.byteSize;
    order.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], byteSize: t.byteSize, dataOffsets });
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${dataOffsets[0]},${dataOffsets[1]}]}`);
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, order, dataSize: offset };
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, Math.min(bytes.length - done, 1 << 30), position + done);
    done += bytesWritten;
  }
}

/**
 * Writes `tensors` (name -> Tensor, any device, views allowed) and optional string metadata to
 * `path` as a safetensors file, through a temporary file that is renamed over `path` at the end.
 * Tensor data is read with `await t.data()`, one tensor at a time.
 */
export async function saveSafetensors(
  path: string,
  tensors: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  if (typeof path !== 'string' || path === '') throw invalidParameter('path', 'a file path (string)', path);
  if (tensors === null || typeof tensors !== 'object') throw invalidParameter('tensors', 'a Record or Map of name -> Tensor', tensors);
  const entries: [string, unknown][] = tensors instanceof Map ? [...(tensors as ReadonlyMap<string, unknown>)] : Object.entries(tensors);
  const items: { name: string; dtype: SafetensorsDType; shape: number[]; byteSize: number; tensor: Tensor }[] = [];
  for (const [name, t] of entries) {
    if (typeof name !== 'string') throw invalidParameter('tensor name', 'a string', name);
    if (!(t instanceof Tensor)) throw invalidParameter(`tensors[${quoteName(name)}]`, 'a Tensor', t);
    // the reader takes this key as the metadata map, so a tensor under it could never be read back
    if (name === '__metadata__') throw new RangeError('Expected a tensor name other than "__metadata__" (reserved for the metadata map)');
    checkText(name, 'a tensor name');
    const dtype = SAVE_DTYPES[t.dtype];
    items.push({ name, dtype, shape: t.shape, byteSize: (t.numel * DTYPE_BITS[dtype]) / 8, tensor: t });
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw invalidParameter('metadata', 'a Record of string -> string', metadata);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw invalidParameter(`metadata[${quoteName(k)}]`, 'a string', v);
      checkText(k, 'a metadata key');
      checkText(v, 'a metadata value');
    }
  }
  const { header, order } = planSafetensors(items, metadata);
  if (header.length - 8 > MAX_HEADER_SIZE) {
    throw new SafetensorsError('HEADER_TOO_LARGE', path, null, `header would be ${header.length - 8} bytes, over the ${MAX_HEADER_SIZE}-byte limit readers enforce`);
  }
  const byName = new Map(items.map((it) => [it.name, it.tensor]));

  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | null = null;
  let renamed = false;
  try {
    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      throw new SafetensorsError('IO', path, null, `cannot create a temporary file beside it: ${(e as Error).message}`, { cause: e });
    }
    await writeAll(fh, header, 0);
    let position = header.length;
    for (const p of order) {
      const data = await byName.get(p.name)!.data();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.length !== p.byteSize) throw new SafetensorsError('IO', path, p.name, `tensor data is ${bytes.length} bytes, expected ${p.byteSize}`);
      await writeAll(fh, bytes, position);
      position += bytes.length;
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
    renamed = true;
  } catch (e) {
    if (e instanceof Error && 'syscall' in e && !(e instanceof SafetensorsError)) {
      throw new SafetensorsError('IO', path, null, `write failed: ${e.message}`, { cause: e });
    }
    throw e;
  } finally {
    if (fh !== null) await fh.close().catch(() => undefined);
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}
