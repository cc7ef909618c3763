/** Error codes carried by {@link KernelError}; they match native/status.h. */
export type KernelErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED'
  | 'OUT_OF_MEMORY'
  | 'DEVICE_ERROR'
  | 'DEVICE_LOST'
  | 'UNAVAILABLE'
  | 'IO_ERROR'
  | 'CANCELLED'
  | 'INTERNAL';

/**
 * A failure reported by native code: bad arguments (at the call), or a fault found while running
 * (at the next sync point: `toArray()`, `synchronize()`). The message names the op, the argument,
 * the expected and the received value.
 */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  /** Stable machine-readable code. */
  readonly code: KernelErrorCode;
  /** Registry op name (`add`, `matmul`, ...), or null when the failure is not an op's. */
  readonly op: string | null;
  /** Backend that reported it: `cpu`, `cuda`, or empty when none was involved. */
  readonly backend: string;

  constructor(message: string, code: KernelErrorCode, op: string | null, backend: string) {
    super(message);
    this.code = code;
    this.op = op;
    this.backend = backend;
  }
}

/** Use of a tensor (or other handle) after `dispose()`. */
export class DisposedError extends Error {
  override readonly name = 'DisposedError';
}

/** sharp-style wording for JS-type mistakes: "Expected X for name but received Y". */
export function invalidParameter(name: string, expected: string, actual: unknown): TypeError {
  const got =
    actual === null ? 'null' : Array.isArray(actual) ? 'an array' : typeof actual === 'object' ? (actual.constructor?.name ?? 'an object') : `${typeof actual} ${String(actual)}`;
  return new TypeError(`Expected ${expected} for ${name} but received ${got}`);
}
