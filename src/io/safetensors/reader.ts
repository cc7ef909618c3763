// openSafetensors: reads and validates only the header (async fs), maps the file read-only, and
// loads tensors on request:
// - CPU, natural dtype, aligned offset: a zero-copy view of the mapping (the mapping stays alive
//   while any such tensor does, after close() too); misaligned offsets get one copy.
// - other devices: a staged upload (native/upload.h: pinned buffers, reading overlapped with the
//   DMA on CUDA), off the JS thread; `load` resolves once the queue has run it.
// - another dtype: the raw tensor on the target device, then the `cast` op there.
// - dtypes the library has no equivalent of (I16, I8, F8_*, F64): converted on the host from a
//   copy of their bytes, as before (exact F8 tables, F64 to integers from the exact double).
// BOOL bytes are normalised to 0/1 with `cast` (u8 -> bool), so a file byte 2 loads as true.
//
// Mapped files must not be truncated in place while mapped (the kernel would fault the reader);
// our writer replaces files through a rename, which leaves existing mappings intact.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { checkDevice, type DeviceId } from '../../device.js';
import { isDType, type DType } from '../../dtype.js';
import { DisposedError, KernelError, invalidParameter } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { FileMapping } from '../mapping.js';
import { SafetensorsError } from './errors.js';
import { MAX_HEADER_SIZE, parseHeader, readHeaderLength, type SafetensorsDType, type TensorInfo } from './format.js';

export interface LoadOptions {
  /** Where the tensor lives. Default "cpu". */
  device?: DeviceId;
  /** Convert to this dtype (on `device`). Default: the natural dtype (see LOAD_DTYPES). */
  dtype?: DType;
  /** Cancels an upload in progress (non-CPU devices): load rejects with code ABORTED. */
  signal?: AbortSignal;
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

/** @internal staging chunk size for uploads (tests shrink it to get many chunks from small files). */
export const uploadTuning: { chunkBytes: number | undefined } = { chunkBytes: undefined };

// Every view below reinterprets file bytes as host-order elements; safetensors is little-endian,
// and so is every platform Node ships for today (x64, arm64, riscv64, ...).
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
    return new Uint8Array(n);
  } catch (e) {
    throw new SafetensorsError('IO', file, tensor, `cannot allocate ${n} bytes: ${(e as Error).message}`, { cause: e });
  }
}

/** An open, validated, mapped safetensors file. Create with openSafetensors(); close() when done. */
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
  readonly #mapping: FileMapping;
  readonly #byName: Map<string, TensorInfo>;

  /** @internal use openSafetensors() */
  constructor(path: string, mapping: FileMapping, fileSize: number, header: ReturnType<typeof parseHeader>) {
    this.path = path;
    this.#mapping = mapping;
    this.fileSize = fileSize;
    this.headerSize = header.headerSize;
    this.dataStart = header.dataStart;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  /** @internal [address of the first mapped byte, mapped bytes] (zero-copy checks). */
  get mappedRange(): readonly [bigint, number] {
    return [this.#mapping.address, this.#mapping.size];
  }

  get isClosed(): boolean {
    return this.#mapping.isReleased;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The header entry of `name`, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.#byName.get(name);
  }

  /**
   * Tensor `name` on `device`: in its natural dtype (LOAD_DTYPES) or converted to `dtype`. On the
   * CPU the natural dtype is a zero-copy view of the mapping (a copy when the data is misaligned);
   * on other devices it is uploaded through staging buffers. Conversions between library dtypes
   * run as the `cast` op on the device; I16/I8/F8/F64 are converted on the host first (F64 to
   * integer/bool targets from the exact double: truncate toward zero and saturate, NaN -> 0,
   * bool = x != 0, like cast).
   */
  async load(name: string, options: LoadOptions = {}): Promise<Tensor> {
    if (typeof name !== 'string') throw invalidParameter('name', 'a tensor name (string)', name);
    if (options === null || typeof options !== 'object') throw invalidParameter('options', 'an object', options);
    const device = checkDevice(options.device ?? 'cpu');
    const target = options.dtype;
    if (target !== undefined && !isDType(target)) throw invalidParameter('dtype', 'one of f32, f16, bf16, i32, i64, u8, bool', target);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameter('signal', 'an AbortSignal', signal);
    if (this.isClosed) throw new DisposedError(`SafetensorsFile ${this.path}: used after close()`);
    const entry = this.#byName.get(name);
    if (entry === undefined) throw new SafetensorsError('NOT_FOUND', this.path, name, 'no such tensor in this file');
    const natural = LOAD_DTYPES[entry.dtype];
    if (natural === undefined) {
      throw new SafetensorsError(
        'UNSUPPORTED_DTYPE',
        this.path,
        name,
        `dtype ${entry.dtype} cannot be loaded (loadable: ${Object.keys(LOAD_DTYPES).join(', ')})`,
      );
    }
    if (!LITTLE_ENDIAN) throw new SafetensorsError('UNSUPPORTED_DTYPE', this.path, name, 'loading needs a little-endian host');
    if (signal?.aborted) throw this.#aborted(name, signal);

    if (HOST_CONVERTED.has(entry.dtype)) {
      const [host, dtype] = toHost(await this.#bytes(entry), entry.dtype, target);
      return castTo(Tensor.from(host, { shape: entry.shape, dtype, device }), target);
    }
    // BOOL: raw bytes as u8, normalised to 0/1 by cast
    const raw = await this.#raw(entry, natural === 'bool' ? 'u8' : natural, device, signal);
    return castTo(natural === 'bool' ? castTo(raw, 'bool') : raw, target);
  }

  /** The file's bytes as a tensor of `dtype` on `device` (a view on the CPU when aligned). */
  async #raw(entry: TensorInfo, dtype: DType, device: DeviceId, signal: AbortSignal | undefined): Promise<Tensor> {
    const offset = this.dataStart + entry.dataOffsets[0];
    if (device === 'cpu') return this.#mapping.tensor(offset, dtype, entry.shape);
    const { tensor, done } = this.#mapping.upload(offset, dtype, entry.shape, device, { signal, chunkBytes: uploadTuning.chunkBytes });
    try {
      await done;
    } catch (e) {
      tensor.dispose();
      if (e instanceof KernelError && e.code === 'CANCELLED') throw this.#aborted(entry.name, signal!);
      throw e;
    }
    return tensor;
  }

  /** A host copy of the tensor's bytes (made on the CPU queue, off the JS thread). */
  async #bytes(entry: TensorInfo): Promise<Uint8Array> {
    const view = this.#mapping.tensor(this.dataStart + entry.dataOffsets[0], 'u8', [entry.byteSize]);
    try {
      return (await view.data()) as Uint8Array;
    } finally {
      view.dispose();
    }
  }

  #aborted(name: string, signal: AbortSignal): SafetensorsError {
    return new SafetensorsError('ABORTED', this.path, name, 'loading was aborted', { cause: signal.reason });
  }

  /**
   * Releases this object's reference to the mapping; tensors already loaded stay valid (CPU views
   * keep the file mapped until the last of them is disposed). Idempotent.
   */
  async close(): Promise<void> {
    this.#mapping.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `t` converted to `target` on its device (the cast op), `t` itself when no conversion is asked. */
function castTo(t: Tensor, target: DType | undefined): Tensor {
  if (target === undefined || target === t.dtype) return t;
  try {
    return t.cast(target);
  } finally {
    t.dispose();
  }
}

/**
 * Opens `path`, reads and validates the header (nothing else is read), and maps the file
 * read-only through the same descriptor, so the mapping is the file that was validated. Every
 * malformed input fails with a SafetensorsError; the header buffer is allocated only after its
 * length has been checked against the 100 MB limit and the file size.
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
    let mapping: FileMapping;
    try {
      mapping = FileMapping.fromFd(fh.fd, path);
    } catch (e) {
      throw new SafetensorsError('IO', path, null, `cannot map: ${(e as Error).message}`, { cause: e });
    }
    if (mapping.size !== fileSize) {
      mapping.release();
      throw new SafetensorsError('IO', path, null, `file changed while opening: ${fileSize} bytes validated, ${mapping.size} mapped`);
    }
    return new SafetensorsFile(path, mapping, fileSize, header);
  } finally {
    // the mapping does not need the descriptor
    await fh.close().catch(() => undefined);
  }
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

type HostArray = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** Dtypes without a library equivalent: converted on the host from a copy of their bytes. */
const HOST_CONVERTED: ReadonlySet<SafetensorsDType> = new Set(['I16', 'I8', 'F8_E4M3', 'F8_E5M2', 'F64']);

/** The file bytes of a HOST_CONVERTED dtype as a host array of a library dtype (`target` for F64). */
function toHost(raw: Uint8Array, dtype: SafetensorsDType, target: DType | undefined): [HostArray, DType] {
  // element views need an aligned start
  const bytes = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const buf = bytes.buffer as ArrayBuffer;
  const at = bytes.byteOffset;
  const n = bytes.byteLength;
  switch (dtype) {
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
