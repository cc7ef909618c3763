// The one error type of the safetensors reader, writer and checkpoint loader. Files come from
// strangers, so every failure names the file, the tensor when there is one, and the reason, with
// a stable code a program can switch on.

export type SafetensorsErrorCode =
  /** The file is shorter than the 8-byte header length. */
  | 'HEADER_TOO_SMALL'
  /** The declared header length is above 100,000,000 bytes (the reference's MAX_HEADER_SIZE). */
  | 'HEADER_TOO_LARGE'
  /** The declared header length is below 2 (no room for `{}`) or runs past the end of the file. */
  | 'INVALID_HEADER_LENGTH'
  /** The header is not valid UTF-8. */
  | 'INVALID_UTF8'
  /** The header is not strict JSON, or not a JSON object. */
  | 'INVALID_JSON'
  /** A key appears twice in one JSON object (tensor names, entry fields, metadata keys). */
  | 'DUPLICATE_KEY'
  /** A tensor entry is not an object. */
  | 'INVALID_ENTRY'
  /** `dtype` is missing, not a string, or not one of the 22 names of the format. */
  | 'UNKNOWN_DTYPE'
  /** `shape` is not an array of integers in [0, 2^53]. */
  | 'INVALID_SHAPE'
  /** `data_offsets` is malformed, or the ranges (sorted) do not tile the data area from 0. */
  | 'INVALID_OFFSETS'
  /** END - BEGIN differs from the element count times the dtype size. */
  | 'SIZE_MISMATCH'
  /** A sub-byte dtype whose element count does not fill whole bytes. */
  | 'MISALIGNED_SLICE'
  /** The element count or bit count does not fit in 64 bits. */
  | 'OVERFLOW'
  /** The file holds bytes after the last tensor. */
  | 'TRAILING_BYTES'
  /** The file ends before the last tensor does. */
  | 'TRUNCATED'
  /** `__metadata__` is not an object of strings. */
  | 'INVALID_METADATA'
  /** A valid dtype this library cannot load (F4, F6_*, C64, unsigned wider than 8 bits, ...). */
  | 'UNSUPPORTED_DTYPE'
  /** `model.safetensors.index.json` is malformed or disagrees with its shards. */
  | 'INVALID_INDEX'
  /** A shard named by the index does not exist. */
  | 'MISSING_SHARD'
  /** A shard name in the index leaves the checkpoint directory. */
  | 'PATH_TRAVERSAL'
  /** No such file, directory or tensor. */
  | 'NOT_FOUND'
  /** The AbortSignal fired. */
  | 'ABORTED'
  /** Reading or writing failed at the OS level (or the file changed under us). */
  | 'IO';

const MAX_NAME_IN_MESSAGE = 200;

/** A tensor name as it appears in a message: JSON-quoted (no terminal escapes), capped in length. */
export function quoteName(name: string): string {
  const q = JSON.stringify(name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}...` : name);
  return q;
}

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly code: SafetensorsErrorCode;
  /** The file (or directory) the failure is about. */
  readonly file: string;
  /** The tensor the failure is about, or null. */
  readonly tensor: string | null;
  /** The reason alone, without file and tensor. */
  readonly reason: string;

  constructor(code: SafetensorsErrorCode, file: string, tensor: string | null, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${tensor === null ? '' : `tensor ${quoteName(tensor)}: `}${reason} [${code}]`, options);
    this.code = code;
    this.file = file;
    this.tensor = tensor;
    this.reason = reason;
  }
}
