// Tensor: a handle to refcounted device memory. Op calls return at once; data comes back through
// the async toArray()/data(). Views share storage. dispose() frees deterministically; a
// FinalizationRegistry frees what was forgotten.
import { binding, type NativeTensor } from './binding.js';
import { checkDevice, type DeviceId } from './device.js';
import {
  DTYPE_SIZE,
  decodeHalf,
  encodeHalf,
  isDType,
  storageView,
  type DType,
  type StorageArray,
  type ValueArray,
} from './dtype.js';
import { DisposedError, invalidParameter } from './errors.js';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Int8Array
  | Int16Array
  | Uint32Array
  | number[]
  | boolean[];

export interface TensorOptions {
  /** Defaults to the data's natural dtype: f32 for Float32Array/Float64Array/number[], i32 for Int32Array, ... */
  dtype?: DType;
  /** Defaults to [data.length]. */
  shape?: readonly number[];
  device?: DeviceId;
}

let live = 0;
let collected = 0;
const finalizer = new FinalizationRegistry<NativeTensor>((h) => {
  // the Tensor was garbage-collected without dispose(): free its memory now
  if (!h.isDisposed) {
    collected++;
    live--;
    h.dispose();
  }
});

/** Counts for leak hunting: tensors alive, and tensors freed by GC because nobody disposed them. */
export function tensorStats(): { live: number; collectedWithoutDispose: number } {
  return { live, collectedWithoutDispose: collected };
}

function naturalDType(data: TensorData): DType {
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return 'i32';
  if (data instanceof BigInt64Array) return 'i64';
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Uint16Array || data instanceof Uint32Array) return 'i32';
  if (Array.isArray(data) && data.length > 0 && typeof data[0] === 'boolean') return 'bool';
  return 'f32';
}

// Builds the bytes native code copies from, converting JS values to the dtype's encoding.
function encode(data: TensorData, dtype: DType): ArrayBufferView {
  const n = data.length;
  switch (dtype) {
    case 'f32':
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number);
    case 'f16':
    case 'bf16':
      // a Uint16Array given for a half dtype is taken as raw bits
      return data instanceof Uint16Array ? data : encodeHalf(Array.from(data as ArrayLike<number>, Number), dtype);
    case 'i32': {
      if (data instanceof Int32Array) return data;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number((data as ArrayLike<number | boolean>)[i]);
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError(`Expected integers in [-2^31, 2^31) for i32 data but received ${v} at index ${i}`);
        out[i] = v;
      }
      return out;
    }
    case 'i64': {
      if (data instanceof BigInt64Array) return data;
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number((data as ArrayLike<number>)[i]);
        if (!Number.isSafeInteger(v)) throw new RangeError(`Expected safe integers for i64 data (use a BigInt64Array beyond 2^53) but received ${v} at index ${i}`);
        out[i] = BigInt(v);
      }
      return out;
    }
    case 'u8': {
      if (data instanceof Uint8Array) return data;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number((data as ArrayLike<number>)[i]);
        if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`Expected integers in [0, 255] for u8 data but received ${v} at index ${i}`);
        out[i] = v;
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (data as ArrayLike<unknown>)[i] ? 1 : 0;
      return out;
    }
  }
}

export class Tensor {
  #h: NativeTensor | null;

  /** @internal wraps a native handle; use Tensor.from or an op. */
  constructor(handle: NativeTensor) {
    if (!(handle instanceof binding.NativeTensor)) throw invalidParameter('handle', 'a native tensor handle (use Tensor.from)', handle);
    this.#h = handle;
    live++;
    finalizer.register(this, handle, this);
  }

  /** Copies `data` into a new tensor (the copy is made before this returns). */
  static from(data: TensorData, options: TensorOptions = {}): Tensor {
    const isArray = Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView));
    if (!isArray) throw invalidParameter('data', 'a typed array or an array of numbers', data);
    const dtype = options.dtype ?? naturalDType(data);
    if (!isDType(dtype)) throw invalidParameter('dtype', 'one of f32, f16, bf16, i32, i64, u8, bool', dtype);
    const shape = options.shape ?? [data.length];
    if (!Array.isArray(shape)) throw invalidParameter('shape', 'an array of integers', shape);
    const device = checkDevice(options.device ?? 'cpu');
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel !== data.length) {
      throw new RangeError(`Expected ${numel} values for shape [${shape.join(', ')}] but received ${data.length}`);
    }
    return new Tensor(binding.fromHost(device, dtype, [...shape], encode(data, dtype)));
  }

  /** @internal the native handle; throws DisposedError after dispose(). */
  get handle(): NativeTensor {
    if (this.#h === null) throw new DisposedError('Tensor: used after dispose()');
    return this.#h;
  }

  get dtype(): DType {
    return this.handle.dtype as DType;
  }
  get shape(): number[] {
    return this.handle.shape;
  }
  /** Element strides, outermost first (0 on expanded dims). */
  get strides(): number[] {
    return this.handle.strides;
  }
  get device(): DeviceId {
    return this.handle.device as DeviceId;
  }
  get rank(): number {
    return this.handle.shape.length;
  }
  get numel(): number {
    return this.handle.shape.reduce((a, b) => a * b, 1);
  }
  get isContiguous(): boolean {
    return this.handle.isContiguous;
  }
  get isDisposed(): boolean {
    return this.#h === null;
  }

  // ---- views (share storage; no data moves) ----

  /** Elements start..end-1 (step apart) of `dim`; negative indices count from the end. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    const h = this.handle;
    const size = h.shape[dim < 0 ? dim + h.shape.length : dim];
    return new Tensor(h.slice(dim, start, end ?? size ?? 0, step));
  }
  permute(...order: number[]): Tensor {
    return new Tensor(this.handle.permute(order));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(this.handle.transpose(dim0, dim1));
  }
  /** A view with a new shape (one -1 inferred). Copies only when no view is possible, like torch.reshape. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const dims = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
    const h = this.handle;
    if (!h.isContiguous) {
      try {
        return new Tensor(h.reshape(dims));
      } catch (e) {
        if ((e as { code?: string }).code !== 'INVALID_ARGUMENT' || !/non-contiguous/.test((e as Error).message)) throw e;
        const c = this.contiguous();
        try {
          return new Tensor(c.handle.reshape(dims));
        } finally {
          c.dispose();
        }
      }
    }
    return new Tensor(h.reshape(dims));
  }
  /** A view with a new shape that never copies (throws when the strides do not allow it). */
  view(...shape: number[]): Tensor {
    return new Tensor(this.handle.reshape(shape));
  }
  /** Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a dim. */
  expand(...shape: number[]): Tensor {
    return new Tensor(this.handle.expand(shape));
  }

  // ---- copies ----

  /** This tensor if already contiguous (a new handle to the same storage), else a contiguous copy. */
  contiguous(): Tensor {
    const h = this.handle;
    if (h.isContiguous) return new Tensor(h.reshape(h.shape));
    return new Tensor(binding.runOp('copy', [h], {})[0]!);
  }
  clone(): Tensor {
    return new Tensor(binding.runOp('copy', [this.handle], {})[0]!);
  }
  cast(dtype: DType): Tensor {
    if (!isDType(dtype)) throw invalidParameter('dtype', 'one of f32, f16, bf16, i32, i64, u8, bool', dtype);
    return new Tensor(binding.runOp('cast', [this.handle], { dtype })[0]!);
  }
  /** A copy on `device`, ordered after this tensor's producers (same device: this tensor's storage). */
  to(device: DeviceId): Tensor {
    return new Tensor(this.handle.to(checkDevice(device)));
  }

  // ---- reading back (the Promise boundary) ----

  /** Raw elements in row-major order: half types as their 16-bit words. */
  async data(): Promise<StorageArray> {
    const h = this.handle;
    const dtype = h.dtype as DType;
    const site = new Error('toArray');
    try {
      return storageView(dtype, await h.read());
    } catch (e) {
      // keep the caller's stack: the rejection itself comes from a queue thread
      if (e instanceof Error && site.stack) e.stack = `${e.stack}\n    --- awaited at ---\n${site.stack.split('\n').slice(1).join('\n')}`;
      throw e;
    }
  }

  /** Elements as numbers in row-major order: f16/bf16 widened to Float32Array, i64 as BigInt64Array. */
  async toArray(): Promise<ValueArray> {
    const dtype = this.dtype;
    const raw = await this.data();
    if (dtype === 'f16' || dtype === 'bf16') return decodeHalf(raw as Uint16Array, dtype);
    return raw as ValueArray;
  }

  /** Bytes of this view's elements. */
  get nbytes(): number {
    return this.numel * DTYPE_SIZE[this.dtype];
  }

  /** Frees this handle's reference to the storage now (views and queued ops keep their own). */
  dispose(): void {
    const h = this.#h;
    if (h === null) return;
    this.#h = null;
    finalizer.unregister(this);
    live--;
    h.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    if (this.#h === null) return 'Tensor(disposed)';
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.device})`;
  }
}
