// Read-only memory mappings of weight files (native/mapping.h, native/upload.h). CPU tensors made
// from a mapping are zero-copy views into it when the data is aligned to its element size; the
// mapping lives as long as any such tensor (or this object) does. Misaligned data gets a copy;
// other devices get a staged upload (pinned buffers on CUDA, reading overlapped with the DMA).
import { binding, type NativeMapping } from '../binding.js';
import { checkDevice, type DeviceId } from '../device.js';
import { type DType } from '../dtype.js';
import { DisposedError } from '../errors.js';
import { Tensor } from '../tensor.js';

export interface UploadOptions {
  /** Cancels the upload before its next chunk: `done` rejects with KernelError code CANCELLED. */
  signal?: AbortSignal;
  /** @internal staging chunk size (tests use small chunks to get many of them). */
  chunkBytes?: number;
}

export class FileMapping {
  #m: NativeMapping | null;
  /** Bytes in the file. */
  readonly size: number;
  /** Address of the first byte (for zero-copy checks in tests and diagnostics). */
  readonly address: bigint;

  private constructor(r: { mapping: NativeMapping; size: number; address: bigint }) {
    this.#m = r.mapping;
    this.size = r.size;
    this.address = r.address;
  }

  /** Maps `path` read-only. Throws KernelError (code IO_ERROR) when it cannot be opened or mapped. */
  static open(path: string): FileMapping {
    return new FileMapping(binding.mapFile(path));
  }

  /**
   * Maps the regular file open as `fd` (the caller may close it right after): the mapping shows
   * the very file that was opened, even if its path is replaced meanwhile. `label` names it in messages.
   */
  static fromFd(fd: number, label: string): FileMapping {
    return new FileMapping(binding.mapFd(fd, label));
  }

  get isReleased(): boolean {
    return this.#m === null;
  }

  #handle(): NativeMapping {
    if (this.#m === null) throw new DisposedError('FileMapping: used after release()');
    return this.#m;
  }

  /**
   * A tensor over bytes [offset, offset + numel * size(dtype)) of the file: a view on the CPU
   * (a copy when misaligned), an upload enqueued in queue order on other devices.
   */
  tensor(offset: number, dtype: DType, shape: readonly number[], device: DeviceId = 'cpu'): Tensor {
    return new Tensor(binding.mappingTensor(this.#handle(), offset, dtype, [...shape], checkDevice(device)));
  }

  /**
   * Uploads bytes [offset, ...) to `device` (not the CPU) through the staging buffers. The tensor
   * is returned at once (later ops are queued behind the upload); `done` settles when the queue
   * has run it. A failed or cancelled upload leaves the tensor unreadable (poisoned).
   */
  upload(offset: number, dtype: DType, shape: readonly number[], device: DeviceId, options: UploadOptions = {}): { tensor: Tensor; done: Promise<void> } {
    const m = this.#handle();
    const dev = checkDevice(device);
    const { signal, chunkBytes } = options;
    const token = signal ? binding.uploadCancel() : null;
    const onAbort = () => binding.cancelUpload(token!);
    if (signal?.aborted) onAbort();
    const r = binding.mappingUpload(m, offset, dtype, [...shape], dev, token, chunkBytes);
    const tensor = new Tensor(r.tensor);
    if (!signal || signal.aborted) return { tensor, done: r.done };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = r.done.finally(() => signal.removeEventListener('abort', onAbort));
    return { tensor, done };
  }

  /** Drops this object's reference to the mapping now; tensors made from it keep the file mapped. */
  release(): void {
    const m = this.#m;
    this.#m = null;
    if (m !== null) binding.releaseMapping(m);
  }
}
