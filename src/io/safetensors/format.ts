// The safetensors format: the 22 dtype names with their bit sizes, and the
// header validation of the reference implementation (huggingface/safetensors tensor.rs
// `read_metadata` + `Metadata::validate`) in its order, plus the checks it leaves out (explicit
// duplicate keys, integers beyond 2^53, `__metadata__` typing). See
// reference/node-ecosystem-anchors.md section 3 for the sources.
//
// Layout: 8-byte little-endian N | N bytes of UTF-8 JSON | data area. Tensor offsets are relative
// to the data area, END exclusive; sorted by offset the ranges must tile it from 0 exactly.
//
// Decisions where the reference is lenient or silent (documented in the report and tests):
// - JSON whitespace (space, tab, LF, CR) is accepted before and after the object, as the
//   reference does; anything else (NUL padding, a BOM) is invalid JSON (strict parser: json.ts).
// - Duplicate keys are rejected in every object, including inside entries and `__metadata__`.
// - Unknown keys inside a tensor entry are ignored, as the reference ignores them (its TensorInfo
//   does not deny unknown fields); they must still be valid JSON without duplicate keys.
// - Shape dims and offsets are JSON integers written without sign, fraction or exponent, at most
//   2^53 (every valid file fits: offsets are bounded by the file size).
// - `__metadata__` must be an object of strings (null is rejected too), of at most 65,536 entries.
import { SafetensorsError, quoteName } from './errors.js';
import { article, decodeUtf8, scanObjectDocument, type JsonKind, type JsonScanner } from './json.js';

/** Every dtype name of the format, in the reference's `Dtype` enum order (= alignment order). */
export const SAFETENSORS_DTYPES = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
] as const;

export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

/** Bits per element (`Dtype::bitsize`). */
export const DTYPE_BITS: Readonly<Record<SafetensorsDType, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** Position in the enum; the reference writer orders tensors by it, descending. */
export const DTYPE_ORDER: Readonly<Record<SafetensorsDType, number>> = Object.fromEntries(
  SAFETENSORS_DTYPES.map((d, i) => [d, i]),
) as Record<SafetensorsDType, number>;

export function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BITS, x);
}

export const MAX_HEADER_SIZE = 100_000_000;
/** `{}` is the shortest header. */
export const MIN_HEADER_SIZE = 2;
/**
 * Our one cap the reference lacks: real files carry a handful of metadata keys, while millions
 * (a 100 MB header allows ~14 M) take seconds and gigabytes as a JS object.
 */
export const MAX_METADATA_ENTRIES = 65_536;
const MAX_INT = 2 ** 53;
const U64_MAX = (1n << 64n) - 1n;

/** One tensor of the header. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** END - BEGIN. */
  readonly byteSize: number;
  /** [BEGIN, END) relative to the start of the data area. */
  readonly dataOffsets: readonly [number, number];
}

export interface ParsedHeader {
  /** N, the header's byte length. */
  readonly headerSize: number;
  /** 8 + N: where the data area starts in the file. */
  readonly dataStart: number;
  /** `__metadata__`, or null when absent. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Tensors in data order (by offset). */
  readonly tensors: readonly TensorInfo[];
}

// ---- header ---------------------------------------------------------------------------------

/** Printable form of a shape for messages. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Steps 1-3 of the reference: the 8-byte length N is in [2, 100,000,000] and 8 + N fits in the
 * file. `prefix` holds the file's first bytes (at least 8 when the file has them).
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new SafetensorsError('HEADER_TOO_SMALL', file, null, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError('HEADER_TOO_LARGE', file, null, `header length ${n} exceeds the limit of ${MAX_HEADER_SIZE} bytes`);
  }
  const size = Number(n);
  if (size < MIN_HEADER_SIZE) {
    throw new SafetensorsError('INVALID_HEADER_LENGTH', file, null, `header length ${size} is shorter than "{}"`);
  }
  if (8 + size > fileSize) {
    throw new SafetensorsError('INVALID_HEADER_LENGTH', file, null, `header length ${size} runs past the end of the ${fileSize}-byte file`);
  }
  return size;
}

interface RawEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * An array of non-negative integers <= 2^53 written as plain digits, or the reason it is not.
 * Nothing is kept after the first bad item (the rest is only checked as JSON), and at most `keep`
 * items are kept, so a hostile array costs no more than its numbers.
 */
function readUints(sc: JsonScanner, depth: number, keep: number): { values: number[]; length: number } | string {
  const k = sc.kind();
  if (k !== 'array') {
    sc.skip(depth);
    return `is ${article(k)}, not an array`;
  }
  const values: number[] = [];
  let bad: string | null = null;
  let length = 0;
  sc.array(depth, () => {
    const at = length++;
    const item = sc.kind();
    if (bad !== null || item !== 'number') {
      bad ??= `[${at}] is ${article(item)}, not an integer`;
      sc.skip(depth + 1);
      return;
    }
    sc.number();
    if (!sc.plain) {
      const text = sc.numberText();
      bad = `[${at}] ${text.startsWith('-') ? 'is negative' : 'is not an integer'} (${text})`;
    } else if (sc.digits > 16 || (sc.digits === 16 && BigInt(sc.numberText()) > BigInt(MAX_INT))) {
      // from 16 digits on the double may be rounded (2^53 + 1 reads as 2^53): judged exactly
      bad = `[${at}] exceeds 2^53 (${sc.numberText()})`;
    } else if (values.length < keep) {
      values.push(sc.value);
    }
  });
  return bad ?? { values, length };
}

/** One tensor entry (cursor on its value), or the error that rejects it. */
function readEntry(sc: JsonScanner, name: string, file: string): RawEntry | SafetensorsError {
  const k = sc.kind();
  if (k !== 'object') {
    sc.skip(2);
    return new SafetensorsError('INVALID_ENTRY', file, name, `entry is ${article(k)}, not an object`);
  }
  let dtypeKind: JsonKind | undefined;
  let dtype = '';
  let shape: ReturnType<typeof readUints> | undefined;
  let offsets: ReturnType<typeof readUints> | undefined;
  // unknown keys are checked as JSON and ignored, as the reference ignores them
  sc.object(2, (field) => {
    if (field === 'dtype') {
      dtypeKind = sc.kind();
      if (dtypeKind === 'string') dtype = sc.string();
      else sc.skip(3);
    } else if (field === 'shape') shape = readUints(sc, 3, Infinity);
    else if (field === 'data_offsets') offsets = readUints(sc, 3, 2);
    else sc.skip(3);
  });
  if (dtypeKind === undefined) return new SafetensorsError('UNKNOWN_DTYPE', file, name, 'dtype is missing');
  if (dtypeKind !== 'string') return new SafetensorsError('UNKNOWN_DTYPE', file, name, `dtype is ${article(dtypeKind)}, not a string`);
  if (!isSafetensorsDType(dtype)) {
    return new SafetensorsError('UNKNOWN_DTYPE', file, name, `unknown dtype ${quoteName(dtype)} (expected one of ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (shape === undefined) return new SafetensorsError('INVALID_SHAPE', file, name, 'shape is missing');
  if (typeof shape === 'string') return new SafetensorsError('INVALID_SHAPE', file, name, `shape${shape.startsWith('[') ? '' : ' '}${shape}`);
  if (offsets === undefined) return new SafetensorsError('INVALID_OFFSETS', file, name, 'data_offsets is missing');
  if (typeof offsets === 'string') return new SafetensorsError('INVALID_OFFSETS', file, name, `data_offsets${offsets.startsWith('[') ? '' : ' '}${offsets}`);
  if (offsets.length !== 2) return new SafetensorsError('INVALID_OFFSETS', file, name, `data_offsets has ${offsets.length} numbers, not [BEGIN, END]`);
  return { name, dtype, shape: shape.values, begin: offsets.values[0]!, end: offsets.values[1]! };
}

/** `__metadata__` (cursor on its value): a string -> string map, or the error that rejects it. */
function readMetadata(sc: JsonScanner, file: string): Record<string, string> | SafetensorsError {
  const k = sc.kind();
  if (k !== 'object') {
    sc.skip(2);
    return new SafetensorsError('INVALID_METADATA', file, null, `__metadata__ is ${article(k)}, not an object of strings`);
  }
  // null prototype: a "__proto__" key is an ordinary key
  const md = Object.create(null) as Record<string, string>;
  let bad: SafetensorsError | null = null;
  let count = 0;
  sc.object(2, (key) => {
    const vk = sc.kind();
    if (bad === null && vk === 'string' && ++count <= MAX_METADATA_ENTRIES) {
      md[key] = sc.string();
      return;
    }
    bad ??= new SafetensorsError(
      'INVALID_METADATA',
      file,
      null,
      vk === 'string' ? `__metadata__ has more than ${MAX_METADATA_ENTRIES} entries` : `__metadata__ value for ${quoteName(key)} is ${article(vk)}, not a string`,
    );
    sc.skip(3);
  });
  return bad ?? md;
}

/**
 * The header JSON walked with its schema: strict JSON and duplicate keys everywhere first (a
 * syntax error or duplicate anywhere wins), then the first structural error in document order.
 * Once an error is known nothing more is kept.
 */
function readHeaderJson(text: string, file: string): { metadata: Record<string, string> | null; entries: RawEntry[] } {
  let metadata: Record<string, string> | null = null;
  const entries: RawEntry[] = [];
  let pending: SafetensorsError | null = null;
  scanObjectDocument(
    text,
    (sc, key) => {
      if (pending !== null) return sc.skip(2);
      const r = key === '__metadata__' ? readMetadata(sc, file) : readEntry(sc, key, file);
      if (r instanceof SafetensorsError) pending = r;
      else if (key === '__metadata__') metadata = r as Record<string, string>;
      else entries.push(r as RawEntry);
    },
    {
      notObject: (k) => new SafetensorsError('INVALID_JSON', file, null, `header is ${article(k)}, not a JSON object`),
      syntax: (e) => new SafetensorsError(e.duplicate ? 'DUPLICATE_KEY' : 'INVALID_JSON', file, null, e.message),
      // a key set past 2^24 entries (Set's limit) cannot come from a 100 MB header, but be safe
      tooComplex: (e) => new SafetensorsError('INVALID_JSON', file, null, `header too complex: ${e.message}`),
    },
  );
  if (pending !== null) throw pending;
  return { metadata, entries };
}

/**
 * Element count times bits, or null when a step of the product leaves u64 (the reference's
 * checked_mul over the shape, then times the bit size). Doubles are exact while every partial
 * product stays below 2^53 (the usual case); past that the product is redone in BigInt, so a
 * product that overflows and then meets a 0 dim is still an overflow, as in the reference.
 */
function bitCount(shape: readonly number[], bits: number): number | bigint | null {
  let count = 1;
  let k = 0;
  for (; k < shape.length; k++) {
    const next = count * shape[k]!;
    if (next >= MAX_INT) break;
    count = next;
  }
  if (k === shape.length && count * bits < MAX_INT) return count * bits;
  let n = BigInt(count);
  for (; k < shape.length; k++) {
    n *= BigInt(shape[k]!);
    if (n > U64_MAX) return null;
  }
  n *= BigInt(bits);
  return n > U64_MAX ? null : n;
}

/**
 * Validates a whole header. `bytes` starts at file offset 0 and holds at least 8 + N bytes (the
 * rest of the file is not needed); `fileSize` is the file's full length. Throws SafetensorsError
 * at the first failure, checked in the reference's order.
 */
export function parseHeader(bytes: Uint8Array, fileSize: number, file: string): ParsedHeader {
  const n = readHeaderLength(bytes, fileSize, file);
  if (bytes.length < 8 + n) throw new SafetensorsError('IO', file, null, `short read: ${bytes.length} of ${8 + n} header bytes`);
  const text = decodeUtf8(bytes.subarray(8, 8 + n));
  if (text === null) throw new SafetensorsError('INVALID_UTF8', file, null, 'header is not valid UTF-8');
  const { metadata, entries } = readHeaderJson(text, file);

  // Metadata::validate: sorted by (BEGIN, END), each range starts where the previous ended
  // (ties broken by name so that the reported tensor does not depend on key order)
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tensors: TensorInfo[] = new Array<TensorInfo>(entries.length);
  let start = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    if (e.begin !== start || e.end < e.begin) {
      const why =
        e.end < e.begin
          ? `data_offsets [${e.begin}, ${e.end}] end before they begin`
          : e.begin > start
            ? `data_offsets [${e.begin}, ${e.end}] leave a gap: the previous range ends at ${start}`
            : `data_offsets [${e.begin}, ${e.end}] overlap the previous range, which ends at ${start}`;
      throw new SafetensorsError('INVALID_OFFSETS', file, e.name, why);
    }
    start = e.end;
    const bits = DTYPE_BITS[e.dtype];
    const nbits = bitCount(e.shape, bits);
    if (nbits === null) {
      throw new SafetensorsError('OVERFLOW', file, e.name, `element count of shape ${shapeText(e.shape)} times ${bits} bits does not fit in 64 bits`);
    }
    // nbits is a number when below 2^53 (exact), a bigint beyond
    if (typeof nbits === 'number' ? nbits % 8 !== 0 : nbits % 8n !== 0n) {
      throw new SafetensorsError('MISALIGNED_SLICE', file, e.name, `${e.dtype} x ${shapeText(e.shape)} is ${nbits} bits, not a whole number of bytes`);
    }
    const nbytes = typeof nbits === 'number' ? nbits / 8 : nbits / 8n;
    if (typeof nbytes === 'number' ? nbytes !== e.end - e.begin : nbytes !== BigInt(e.end - e.begin)) {
      throw new SafetensorsError('SIZE_MISMATCH', file, e.name, `${e.dtype} x ${shapeText(e.shape)} needs ${nbytes} bytes but data_offsets span ${e.end - e.begin}`);
    }
    tensors[k] = Object.freeze({
      name: e.name,
      dtype: e.dtype,
      shape: Object.freeze(e.shape),
      byteSize: e.end - e.begin,
      dataOffsets: Object.freeze([e.begin, e.end] as [number, number]),
    });
  }

  const expected = 8 + n + start;
  if (expected < fileSize) {
    throw new SafetensorsError('TRAILING_BYTES', file, null, `${fileSize - expected} bytes follow the last tensor (file is ${fileSize} bytes, header + data are ${expected})`);
  }
  if (expected > fileSize) {
    throw new SafetensorsError('TRUNCATED', file, null, `tensors need ${expected} bytes but the file has ${fileSize}`);
  }
  return Object.freeze({ headerSize: n, dataStart: 8 + n, metadata: metadata === null ? null : Object.freeze(metadata), tensors: Object.freeze(tensors) });
}
