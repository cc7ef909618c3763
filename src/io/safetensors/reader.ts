// openSafetensors: reads and validates only the header (async fs), keeps the file open, and loads
// single tensors on request, converting safetensors dtypes to the library's compute dtypes.
//
// Tensor bytes come from one function, readTensorBytes(), so that a zero-copy memory mapping can
// replace the positional read later without touching the dtype logic.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { checkDevice, type DeviceId } from '../../device.js';
import { isDType, type DType } from '../../dtype.js';
import { DisposedError, invalidParameter } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { SafetensorsError } from './errors.js';
import { MAX_HEADER_SIZE, parseHeader, readHeaderLength, type SafetensorsDType, type TensorInfo } from './format.js';

export interface LoadOptions {
  /** Where the tensor lives. Default "cpu". */
  device?: DeviceId;
  /** Convert to this dtype (on `device`). Default: the natural dtype (see LOAD_DTYPES). */
  dtype?: DType;
}

/**
 * The dtype each loadable safetensors dtype becomes without a `dtype` option. F64 narrows to f32
 * (round to nearest even); I16/I8 widen to i32; F8_E4M3 (e4m3fn: no infinities, S.1111.111 is
 * NaN) and F8_E5M2 (IEEE-like) widen exactly to f32. Other valid dtypes are listed but not loaded.
 */
export const LOAD_DTYPES: Readonly<Partial<Record<SafetensorsDType, DType>>> = {
  F64: 'f32',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  I32: 'i32',
  I16: 'i32',
  I8: 'i32',
  U8: 'u8',
  BOOL: 'bool',
  F8_E4M3: 'f32',
  F8_E5M2: 'f32',
};

/** Floating dtypes of the format (a checkpoint-wide `dtype` converts only these). */
export function isFloatingSafetensorsDType(d: SafetensorsDType): boolean {
  return d.startsWith('F') || d === 'BF16' || d === 'C64';
}

// Every typed-array view below reinterprets file bytes as host-order elements; safetensors is
// little-endian, and so is every platform Node ships for today (x64, arm64, riscv64, ...).
const LITTLE_ENDIAN = endianness() === 'LE';

// fs reads move at most 2^31 - 1 bytes per call
const READ_CHUNK = 1 << 30;

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const len = Math.min(READ_CHUNK, into.length - done);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(into, done, len, position + done));
    } catch (e) {
      throw new SafetensorsError('IO', file, null, `read failed: ${(e as Error).message}`, { cause: e });
    }
    // the size was validated at open: fewer bytes now means the file shrank under us
    if (bytesRead === 0) throw new SafetensorsError('IO', file, null, `file ended at ${position + done} bytes while reading (was it truncated after opening?)`);
    done += bytesRead;
  }
}

function allocBytes(n: number, file: string, tensor: string | null): Uint8Array {
  try {
    // a fresh ArrayBuffer starts at offset 0, so any element-size view of it is aligned
    return new Uint8Array(n);
  } catch (e) {
    throw new SafetensorsError('IO', file, tensor, `cannot allocate ${n} bytes: ${(e as Error).message}`, { cause: e });
  }
}

/** An open, validated safetensors file. Create with openSafetensors(); close() when done. */
export class SafetensorsFile {
  /** The path given to openSafetensors. */
  readonly path: string;
  /** File size in bytes, as validated. */
  readonly fileSize: number;
  /** N, the JSON header's length. */
  readonly headerSize: number;
  /** 8 + N: file offset of the data area. */
  readonly dataStart: number;
  /** `__metadata__`, or null when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Every tensor, in file (offset) order. */
  readonly tensors: readonly TensorInfo[];
  #fh: FileHandle | null;
  readonly #byName: Map<string, TensorInfo>;

  /** @internal use openSafetensors() */
  constructor(path: string, fh: FileHandle, fileSize: number, header: ReturnType<typeof parseHeader>) {
    this.path = path;
    this.#fh = fh;
    this.fileSize = fileSize;
    this.headerSize = header.headerSize;
    this.dataStart = header.dataStart;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  /** @internal the open handle (readTensorBytes); throws DisposedError after close(). */
  get fileHandle(): FileHandle {
    if (this.#fh === null) throw new DisposedError(`SafetensorsFile ${this.path}: used after close()`);
    return this.#fh;
  }

  get isClosed(): boolean {
    return this.#fh === null;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The header entry of `name`, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.#byName.get(name);
  }

  /**
   * Reads tensor `name` into a new tensor on `device`: in its natural dtype (LOAD_DTYPES) or
   * converted to `dtype`. Conversions between library dtypes run as the `cast` op on the device;
   * F64 goes to f32 on the host first, except to integer/bool targets, which are converted from the
   * exact double (truncate toward zero and saturate, NaN -> 0, bool = x != 0, like cast).
   */
  async load(name: string, options: LoadOptions = {}): Promise<Tensor> {
    if (typeof name !== 'string') throw invalidParameter('name', 'a tensor name (string)', name);
    if (options === null || typeof options !== 'object') throw invalidParameter('options', 'an object', options);
    const device = checkDevice(options.device ?? 'cpu');
    const target = options.dtype;
    if (target !== undefined && !isDType(target)) throw invalidParameter('dtype', 'one of f32, f16, bf16, i32, i64, u8, bool', target);
    const entry = this.#byName.get(name);
    if (entry === undefined) throw new SafetensorsError('NOT_FOUND', this.path, name, 'no such tensor in this file');
    if (LOAD_DTYPES[entry.dtype] === undefined) {
      throw new SafetensorsError(
        'UNSUPPORTED_DTYPE',
        this.path,
        name,
        `dtype ${entry.dtype} cannot be loaded (loadable: ${Object.keys(LOAD_DTYPES).join(', ')})`,
      );
    }
    if (!LITTLE_ENDIAN) throw new SafetensorsError('UNSUPPORTED_DTYPE', this.path, name, 'loading needs a little-endian host');
    const bytes = await readTensorBytes(this, entry);
    return bytesToTensor(bytes, entry, device, target);
  }

  /** Closes the file; tensors already loaded stay valid. Idempotent. */
  async close(): Promise<void> {
    const fh = this.#fh;
    if (fh === null) return;
    this.#fh = null;
    await fh.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens `path`, reads and validates the header (nothing else is read), and keeps the file open for
 * load(). Every malformed input fails with a SafetensorsError; the header buffer is allocated only
 * after its length has been checked against the 100 MB limit and the file size.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  if (typeof path !== 'string') throw invalidParameter('path', 'a file path (string)', path);
  let fh: FileHandle;
  try {
    // checked before open(): opening a FIFO would block until a writer appears
    if (!(await stat(path)).isFile()) throw new SafetensorsError('IO', path, null, 'not a regular file');
    fh = await open(path, 'r');
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SafetensorsError('NOT_FOUND', path, null, 'no such file', { cause: e });
    throw new SafetensorsError('IO', path, null, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new SafetensorsError('IO', path, null, 'not a regular file');
    const fileSize = st.size;
    const prefix = new Uint8Array(Math.min(8, fileSize));
    await readExactly(fh, prefix, 0, path);
    const n = readHeaderLength(prefix, fileSize, path);
    // n <= MAX_HEADER_SIZE and 8 + n <= fileSize were checked just above
    const head = allocBytes(8 + Math.min(n, MAX_HEADER_SIZE), path, null);
    head.set(prefix);
    await readExactly(fh, head.subarray(8), 8, path);
    const header = parseHeader(head, fileSize, path);
    return new SafetensorsFile(path, fh, fileSize, header);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The raw bytes of one tensor, in a fresh (hence aligned) buffer of exactly entry.byteSize bytes.
 * The single place that touches tensor data on disk: a memory mapping can replace it.
 */
export async function readTensorBytes(file: SafetensorsFile, entry: TensorInfo): Promise<Uint8Array> {
  const out = allocBytes(entry.byteSize, file.path, entry.name);
  if (entry.byteSize > 0) await readExactly(file.fileHandle, out, file.dataStart + entry.dataOffsets[0], file.path);
  return out;
}

// ---- dtype conversion ---------------------------------------------------------------------------

/** f32 value of every F8_E4M3 (e4m3fn) byte: bias 7, no infinities, S.1111.111 is NaN. */
export const F8_E4M3_TABLE: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    const e = (b >> 3) & 0xf;
    const m = b & 7;
    if (e === 15 && m === 7) t[b] = NaN;
    else if (e === 0) t[b] = sign * (m / 8) * 2 ** -6;
    else t[b] = sign * (1 + m / 8) * 2 ** (e - 7);
  }
  return t;
})();

/** f32 value of every F8_E5M2 byte: bias 15, IEEE-like (infinities and NaNs at exponent 31). */
export const F8_E5M2_TABLE: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    const e = (b >> 2) & 0x1f;
    const m = b & 3;
    if (e === 31) t[b] = m === 0 ? sign * Infinity : NaN;
    else if (e === 0) t[b] = sign * (m / 4) * 2 ** -14;
    else t[b] = sign * (1 + m / 4) * 2 ** (e - 15);
  }
  return t;
})();

function lookup(bytes: Uint8Array, table: Float32Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** F64 straight to an integer/bool dtype, with the cast op's rules applied to the exact double. */
function f64ToInteger(src: Float64Array, to: 'i32' | 'i64' | 'u8' | 'bool'): Int32Array | BigInt64Array | Uint8Array {
  const n = src.length;
  if (to === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0; // NaN != 0
    return out;
  }
  if (to === 'i64') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      out[i] = Number.isNaN(v) ? 0n : v >= 2 ** 63 ? (1n << 63n) - 1n : v <= -(2 ** 63) ? -(1n << 63n) : BigInt(Math.trunc(v));
    }
    return out;
  }
  const [lo, hi] = to === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 255];
  const out = to === 'i32' ? new Int32Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    out[i] = Number.isNaN(v) ? 0 : Math.min(hi, Math.max(lo, Math.trunc(v)));
  }
  return out;
}

type HostArray = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** The file bytes as a host array of a library dtype (the natural one, or `target` for F64). */
function toHost(raw: Uint8Array, dtype: SafetensorsDType, target: DType | undefined): [HostArray, DType] {
  // element views need an aligned start; a source other than readTensorBytes may not give one
  const bytes = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const buf = bytes.buffer as ArrayBuffer;
  const at = bytes.byteOffset;
  const n = bytes.byteLength;
  switch (dtype) {
    case 'F32':
      return [new Float32Array(buf, at, n / 4), 'f32'];
    case 'F16':
      return [new Uint16Array(buf, at, n / 2), 'f16'];
    case 'BF16':
      return [new Uint16Array(buf, at, n / 2), 'bf16'];
    case 'I32':
      return [new Int32Array(buf, at, n / 4), 'i32'];
    case 'I64':
      return [new BigInt64Array(buf, at, n / 8), 'i64'];
    case 'U8':
      return [bytes, 'u8'];
    case 'BOOL':
      return [bytes, 'bool'];
    case 'I16':
      return [Int32Array.from(new Int16Array(buf, at, n / 2)), 'i32'];
    case 'I8':
      return [Int32Array.from(new Int8Array(buf, at, n)), 'i32'];
    case 'F8_E4M3':
      return [lookup(bytes, F8_E4M3_TABLE), 'f32'];
    case 'F8_E5M2':
      return [lookup(bytes, F8_E5M2_TABLE), 'f32'];
    case 'F64': {
      const src = new Float64Array(buf, at, n / 8);
      // integer targets from the exact double: going through f32 would round 2^24 + 1 first
      if (target === 'i32' || target === 'i64' || target === 'u8' || target === 'bool') return [f64ToInteger(src, target), target];
      // f16/bf16 go through f32 and the cast op: the same double rounding PyTorch's
      // double -> Half/BFloat16 conversion does (both are built from a float)
      return [Float32Array.from(src), 'f32'];
    }
    default:
      throw new Error(`internal: no host conversion for ${dtype}`);
  }
}

function bytesToTensor(bytes: Uint8Array, entry: TensorInfo, device: DeviceId, target: DType | undefined): Tensor {
  const [host, dtype] = toHost(bytes, entry.dtype, target);
  const t = Tensor.from(host, { shape: entry.shape, dtype, device });
  if (target === undefined || target === dtype) return t;
  try {
    return t.cast(target);
  } finally {
    t.dispose();
  }
}
