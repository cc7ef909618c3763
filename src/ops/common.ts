// Shared plumbing for op functions: argument checks in sharp's wording and the one call into
// the binding.
import { binding, type Attr } from '../binding.js';
import { checkDevice, type DeviceId } from '../device.js';
import { isDType, type DType } from '../dtype.js';
import { invalidParameter } from '../errors.js';
import { Tensor } from '../tensor.js';

export function checkTensor(x: unknown, name: string): Tensor {
  if (!(x instanceof Tensor)) throw invalidParameter(name, 'a Tensor', x);
  return x;
}

export function checkDType(x: unknown, name = 'dtype'): DType {
  if (!isDType(x)) throw invalidParameter(name, 'one of f32, f16, bf16, i32, i64, u8, bool', x);
  return x;
}

export function checkShape(x: unknown, name = 'shape'): number[] {
  if (!Array.isArray(x) || !x.every((d) => Number.isSafeInteger(d))) throw invalidParameter(name, 'an array of integers', x);
  return x as number[];
}

export function checkNumber(x: unknown, name: string): number {
  if (typeof x !== 'number') throw invalidParameter(name, 'a number', x);
  return x;
}

/** Runs a registry op on tensor inputs (on their device) and wraps its single output. */
export function run1(op: string, inputs: Tensor[], attrs?: Record<string, Attr>): Tensor {
  const handles = inputs.length === 2 ? [inputs[0]!.handle, inputs[1]!.handle] : inputs.map((t) => t.handle);
  return new Tensor(binding.runOp(op, handles, attrs)[0]!);
}

/** Runs a creation op (no tensor inputs) on `device`. */
export function create1(op: string, device: DeviceId | undefined, attrs: Record<string, Attr>): Tensor {
  return new Tensor(binding.runOp(op, [], attrs, checkDevice(device ?? 'cpu'))[0]!);
}
