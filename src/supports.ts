import { binding, type Attr } from './binding.js';
import { checkDevice, type DeviceId } from './device.js';
import { type KernelError } from './errors.js';
import { type Tensor } from './tensor.js';

/**
 * Whether `op` (registry name) can run with these inputs and options: null when it can, else the
 * KernelError the call would throw. Nothing is enqueued.
 */
export function supports(op: string, inputs: Tensor[], attrs: Record<string, Attr> = {}, device?: DeviceId): KernelError | null {
  return binding.supports(op, inputs.map((t) => t.handle), attrs, device === undefined ? undefined : checkDevice(device));
}
