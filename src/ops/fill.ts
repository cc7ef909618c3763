import { type DeviceId } from '../device.js';
import { type DType } from '../dtype.js';
import { type Tensor } from '../tensor.js';
import { checkDType, checkNumber, checkShape, create1 } from './common.js';

export interface CreateOptions {
  dtype?: DType;
  device?: DeviceId;
}

/** A new tensor of `shape` with every element `value` (which must be representable in dtype). */
export function fill(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  return create1('fill', options.device, {
    shape: checkShape(shape),
    value: checkNumber(value, 'value'),
    dtype: checkDType(options.dtype ?? 'f32'),
  });
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fill(shape, 0, options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fill(shape, 1, options);
}
