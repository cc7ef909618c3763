// Read-only memory mappings of weight files (native/mapping.h). CPU tensors made from a mapping
// are zero-copy views into it when the data is aligned to its element size; the mapping lives as
// long as any such tensor (or this object) does. Other devices and misaligned data get a copy.
import { binding, type NativeMapping } from '../binding.js';
import { checkDevice, type DeviceId } from '../device.js';
import { type DType } from '../dtype.js';
import { Tensor } from '../tensor.js';

export class FileMapping {
  readonly #m: NativeMapping;
  /** Bytes in the file. */
  readonly size: number;
  /** Address of the first byte (for zero-copy checks in tests and diagnostics). */
  readonly address: bigint;

  private constructor(m: NativeMapping, size: number, address: bigint) {
    this.#m = m;
    this.size = size;
    this.address = address;
  }

  /** Maps `path` read-only. Throws KernelError (code IO_ERROR) when it cannot be opened or mapped. */
  static open(path: string): FileMapping {
    const r = binding.mapFile(path);
    return new FileMapping(r.mapping, r.size, r.address);
  }

  /** A tensor over bytes [offset, offset + numel * size(dtype)) of the file. */
  tensor(offset: number, dtype: DType, shape: readonly number[], device: DeviceId = 'cpu'): Tensor {
    return new Tensor(binding.mappingTensor(this.#m, offset, dtype, [...shape], checkDevice(device)));
  }
}
