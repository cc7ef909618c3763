// One check for "this call is rejected at the call with a KernelError": its code, the op, and
// message patterns (the argument's name, the expected and the received value).
import { expect } from 'vitest';
import { KernelError, Tensor } from '../../src/index.js';

export function expectKernelError(f: () => unknown, op: string, pats: RegExp[], code = 'INVALID_ARGUMENT'): void {
  let err: unknown;
  let out: unknown;
  try {
    out = f();
  } catch (e) {
    err = e;
  }
  if (out instanceof Tensor) out.dispose(); // a call that wrongly succeeded must not leak
  expect(err, `${op}: expected a KernelError, the call returned`).toBeInstanceOf(KernelError);
  const ke = err as KernelError;
  expect(ke.code).toBe(code);
  expect(ke.op).toBe(op);
  for (const p of pats) expect(ke.message).toMatch(p);
}
