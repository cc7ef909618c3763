// Diagnostics for tests and leak hunting; not needed by applications.
import { binding } from './binding.js';
import { type Tensor } from './tensor.js';

/** True when the addon was loaded with XEMB_GUARD_BANDS=1 (guard bands around every allocation). */
export function guardBandsEnabled(): boolean {
  return binding.guardEnabled();
}

/**
 * Out-of-bounds writes detected so far (and clears the list). A band is checked when its block is
 * freed, so dispose the tensors of a case (and synchronize) before asking.
 */
export function guardViolations(): string[] {
  return binding.guardViolations();
}

/**
 * Writes one byte inside a guard band of `t`'s storage (offset relative to the storage start: -1
 * is the byte before it, storage bytes is the byte after). Test-only proof that bands work.
 */
export function debugPoke(t: Tensor, byteOffset: number, value: number): void {
  binding.debugPoke(t.handle, byteOffset, value);
}
