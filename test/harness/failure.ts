// Ops that fail while running (out-of-range indices held in a tensor, a sample row with nothing
// to draw): the output rejects, the queue's next sync reports the failure once, and the device
// then works again.
import { expect } from 'vitest';
import { KernelError, synchronize, type DeviceId, type Tensor } from '../../src/index.js';

export async function expectRunFailure(dev: DeviceId, out: Tensor, op: string, pats: RegExp[]): Promise<void> {
  let err: unknown;
  try {
    await out.data();
  } catch (e) {
    err = e;
  }
  expect(err, `${op} on ${dev}: the output must reject`).toBeInstanceOf(KernelError);
  const ke = err as KernelError;
  expect(ke.code).toBe('INVALID_ARGUMENT');
  expect(ke.op).toBe(op);
  for (const pat of pats) expect(ke.message).toMatch(pat);
  await synchronize(dev).catch(() => undefined);
  await synchronize(dev);
}
