// A corpus of malformed safetensors files and checkpoint directories, each its own test, each
// asserting the SafetensorsError code (through the real file path and the in-memory parser), plus
// the valid edge cases where the reference is lenient (documented decisions).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError, loadCheckpoint, openSafetensors, type SafetensorsErrorCode } from '../../src/index.js';
import { openCheckpoint } from '../../src/io/safetensors/checkpoint.js';
import { parseHeader } from '../../src/io/safetensors/format.js';
import { buildValid, f32Bytes, makeFile, tempDir } from './safetensors-helpers.js';

const tmp = tempDir('malformed');
afterAll(() => tmp.cleanup());

const T = (name: string, dtype: string, shape: number[], b: number, e: number) =>
  `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":[${b},${e}]}`;
const W = T('w', 'F32', [2], 0, 8); // a valid 8-byte entry

interface Case {
  name: string;
  bytes: () => Uint8Array;
  code: SafetensorsErrorCode;
  tensor?: string;
}

const cases: Case[] = [
  // ---- length prefix ----
  { name: 'empty file', bytes: () => new Uint8Array(0), code: 'HEADER_TOO_SMALL' },
  { name: '7-byte file (truncated length)', bytes: () => new Uint8Array(7), code: 'HEADER_TOO_SMALL' },
  { name: 'header length 0', bytes: () => makeFile(''), code: 'INVALID_HEADER_LENGTH' },
  { name: 'header length 1 ("{")', bytes: () => makeFile('{'), code: 'INVALID_HEADER_LENGTH' },
  { name: 'header length points past the end', bytes: () => makeFile(`{${W}}`, 8, 1000n), code: 'INVALID_HEADER_LENGTH' },
  { name: 'truncated header (file cut inside the JSON)', bytes: () => makeFile(`{${W}}`, 8).subarray(0, 20), code: 'INVALID_HEADER_LENGTH' },
  { name: 'header length 100,000,001 (over the limit, tiny file)', bytes: () => makeFile('{}', 0, 100_000_001n), code: 'HEADER_TOO_LARGE' },
  { name: 'header length 2^64 - 1', bytes: () => makeFile('{}', 0, (1n << 64n) - 1n), code: 'HEADER_TOO_LARGE' },
  { name: 'header length 2^63 (negative as i64)', bytes: () => makeFile('{}', 0, 1n << 63n), code: 'HEADER_TOO_LARGE' },
  // ---- encoding ----
  { name: 'invalid UTF-8 byte in a name', bytes: () => makeFile(Uint8Array.from([...Buffer.from('{"a'), 0xff, ...Buffer.from('":{}}')])), code: 'INVALID_UTF8' },
  { name: 'overlong UTF-8 encoding of "/"', bytes: () => makeFile(Uint8Array.from([...Buffer.from('{"'), 0xc0, 0xaf, ...Buffer.from('":1}')])), code: 'INVALID_UTF8' },
  { name: 'UTF-8-encoded surrogate (CESU)', bytes: () => makeFile(Uint8Array.from([...Buffer.from('{"'), 0xed, 0xa0, 0x80, ...Buffer.from('":1}')])), code: 'INVALID_UTF8' },
  { name: 'UTF-8 sequence cut by the header end', bytes: () => makeFile(Uint8Array.from([...Buffer.from('{}'), 0xe6, 0x97])), code: 'INVALID_UTF8' },
  // ---- JSON ----
  { name: 'byte order mark before "{"', bytes: () => makeFile('\ufeff{}'), code: 'INVALID_JSON' },
  { name: 'not JSON', bytes: () => makeFile('hello, world'), code: 'INVALID_JSON' },
  { name: 'header is a JSON array', bytes: () => makeFile('[1, 2]  '), code: 'INVALID_JSON' },
  { name: 'header is a JSON string', bytes: () => makeFile('"{}"'), code: 'INVALID_JSON' },
  { name: 'header is null', bytes: () => makeFile('null'), code: 'INVALID_JSON' },
  { name: 'trailing comma', bytes: () => makeFile(`{${W},}`, 8), code: 'INVALID_JSON' },
  { name: 'padded with NUL bytes instead of spaces', bytes: () => makeFile(`{${W}}\0\0\0`, 8), code: 'INVALID_JSON' },
  { name: 'two JSON values', bytes: () => makeFile(`{${W}}{}`, 8), code: 'INVALID_JSON' },
  { name: 'single-quoted key', bytes: () => makeFile("{'w':1}"), code: 'INVALID_JSON' },
  { name: 'comment', bytes: () => makeFile(`{/* x */${W}}`, 8), code: 'INVALID_JSON' },
  { name: 'NaN literal in an unknown field', bytes: () => makeFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":NaN}}`, 8), code: 'INVALID_JSON' },
  { name: 'leading zero in a number', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}', 8), code: 'INVALID_JSON' },
  { name: 'raw control character in a name', bytes: () => makeFile(`{"a\u0001b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), code: 'INVALID_JSON' },
  { name: 'lone surrogate escape in a name', bytes: () => makeFile(`{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), code: 'INVALID_JSON' },
  { name: 'invalid escape', bytes: () => makeFile(`{"\\x41":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), code: 'INVALID_JSON' },
  { name: 'nesting 100,000 deep (no stack overflow)', bytes: () => makeFile(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`), code: 'INVALID_JSON' },
  // ---- duplicate keys ----
  { name: 'duplicate tensor name, identical entries', bytes: () => makeFile(`{${W},${W}}`, 8), code: 'DUPLICATE_KEY' },
  { name: 'duplicate tensor name, different entries (gap in the reference)', bytes: () => makeFile(`{${W},${T('w', 'F32', [1], 8, 12)}}`, 12), code: 'DUPLICATE_KEY' },
  { name: 'duplicate field inside an entry', bytes: () => makeFile(`{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), code: 'DUPLICATE_KEY' },
  { name: 'duplicate __metadata__', bytes: () => makeFile(`{"__metadata__":{},"__metadata__":{}}`), code: 'DUPLICATE_KEY' },
  { name: 'duplicate key inside __metadata__', bytes: () => makeFile(`{"__metadata__":{"a":"1","a":"2"}}`), code: 'DUPLICATE_KEY' },
  { name: 'duplicate name spelled with an escape', bytes: () => makeFile(`{${W},${T('w', 'F32', [2], 0, 8).replace('"w"', '"\\u0077"')}}`, 8), code: 'DUPLICATE_KEY' },
  // ---- entries ----
  { name: 'entry is a number', bytes: () => makeFile('{"w":5}'), code: 'INVALID_ENTRY', tensor: 'w' },
  { name: 'entry is null', bytes: () => makeFile('{"w":null}'), code: 'INVALID_ENTRY', tensor: 'w' },
  { name: 'unknown dtype F128', bytes: () => makeFile(`{${T('w', 'F128', [2], 0, 8)}}`, 8), code: 'UNKNOWN_DTYPE', tensor: 'w' },
  { name: 'dtype in lower case', bytes: () => makeFile(`{${T('w', 'f32', [2], 0, 8)}}`, 8), code: 'UNKNOWN_DTYPE', tensor: 'w' },
  { name: 'dtype spelled as the hub client does (E8M0)', bytes: () => makeFile(`{${T('w', 'E8M0', [2], 0, 2)}}`, 2), code: 'UNKNOWN_DTYPE', tensor: 'w' },
  { name: 'dtype missing', bytes: () => makeFile('{"w":{"shape":[2],"data_offsets":[0,8]}}', 8), code: 'UNKNOWN_DTYPE', tensor: 'w' },
  { name: 'dtype is a number', bytes: () => makeFile('{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}', 8), code: 'UNKNOWN_DTYPE', tensor: 'w' },
  { name: 'negative dim', bytes: () => makeFile(`{${T('w', 'F32', [-2], 0, 8)}}`, 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'negative zero dim', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}'), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'fractional dim 2.5', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'integral float dim 2.0', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'exponent dim 2e0', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}', 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'huge dim 2^53 + 1 (rounds to 2^53 as a double)', bytes: () => makeFile('{"w":{"dtype":"U8","shape":[9007199254740993,0],"data_offsets":[0,0]}}'), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'dim 2^64 (beyond u64)', bytes: () => makeFile('{"w":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}'), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'dim as a string', bytes: () => makeFile('{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}', 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'shape is a number', bytes: () => makeFile('{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}', 8), code: 'INVALID_SHAPE', tensor: 'w' },
  { name: 'data_offsets missing', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2]}}', 8), code: 'INVALID_OFFSETS', tensor: 'w' },
  { name: 'data_offsets with three numbers', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}', 8), code: 'INVALID_OFFSETS', tensor: 'w' },
  { name: 'negative offset', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', 8), code: 'INVALID_OFFSETS', tensor: 'w' },
  { name: 'fractional offset', bytes: () => makeFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}', 8), code: 'INVALID_OFFSETS', tensor: 'w' },
  // ---- __metadata__ ----
  { name: '__metadata__ with a number value', bytes: () => makeFile('{"__metadata__":{"epoch":3}}'), code: 'INVALID_METADATA' },
  { name: '__metadata__ with a nested object', bytes: () => makeFile('{"__metadata__":{"cfg":{"a":"b"}}}'), code: 'INVALID_METADATA' },
  { name: '__metadata__ is an array', bytes: () => makeFile('{"__metadata__":["a"]}'), code: 'INVALID_METADATA' },
  { name: '__metadata__ is null', bytes: () => makeFile('{"__metadata__":null}'), code: 'INVALID_METADATA' },
  {
    name: '__metadata__ with 65,537 entries (over our cap)',
    bytes: () => makeFile(`{"__metadata__":{${Array.from({ length: 65_537 }, (_, i) => `"${i.toString(36)}":""`).join(',')}}}`),
    code: 'INVALID_METADATA',
  },
  // ---- ranges and sizes (reference order: offsets, overflow, sub-byte, size, file size) ----
  { name: 'size mismatch: [2, 2] F32 in 12 bytes', bytes: () => makeFile(`{${T('w', 'F32', [2, 2], 0, 12)}}`, 12), code: 'SIZE_MISMATCH', tensor: 'w' },
  { name: 'size mismatch: empty shape [0] with 4 bytes', bytes: () => makeFile(`{${T('w', 'F32', [0], 0, 4)}}`, 4), code: 'SIZE_MISMATCH', tensor: 'w' },
  { name: 'overflowing element count [2^32, 2^32, 2^32]', bytes: () => makeFile(`{${T('w', 'F32', [2 ** 32, 2 ** 32, 2 ** 32], 0, 0)}}`), code: 'OVERFLOW', tensor: 'w' },
  { name: 'overflow before a zero dim [2^40, 2^40, 0] (no zero short-circuit)', bytes: () => makeFile(`{${T('w', 'U8', [2 ** 40, 2 ** 40, 0], 0, 0)}}`), code: 'OVERFLOW', tensor: 'w' },
  { name: 'overflowing bit count [2^31, 2^31] F64', bytes: () => makeFile(`{${T('w', 'F64', [2 ** 31, 2 ** 31], 0, 0)}}`), code: 'OVERFLOW', tensor: 'w' },
  { name: 'sub-byte F4 with an odd element count', bytes: () => makeFile(`{${T('w', 'F4', [3], 0, 2)}}`, 2), code: 'MISALIGNED_SLICE', tensor: 'w' },
  { name: 'sub-byte F6_E2M3 with 3 elements (18 bits)', bytes: () => makeFile(`{${T('w', 'F6_E2M3', [3], 0, 3)}}`, 3), code: 'MISALIGNED_SLICE', tensor: 'w' },
  { name: 'overlapping ranges', bytes: () => makeFile(`{${T('a', 'F32', [2], 0, 8)},${T('b', 'F32', [2], 4, 12)}}`, 12), code: 'INVALID_OFFSETS', tensor: 'b' },
  { name: 'gap between ranges', bytes: () => makeFile(`{${T('a', 'F32', [2], 0, 8)},${T('b', 'F32', [2], 12, 20)}}`, 20), code: 'INVALID_OFFSETS', tensor: 'b' },
  { name: 'first range does not start at 0', bytes: () => makeFile(`{${T('w', 'F32', [2], 4, 12)}}`, 12), code: 'INVALID_OFFSETS', tensor: 'w' },
  { name: 'END < BEGIN', bytes: () => makeFile(`{${T('a', 'F32', [1], 0, 4)},${T('b', 'U8', [0], 4, 0)}}`, 4), code: 'INVALID_OFFSETS', tensor: 'b' },
  { name: 'two names sharing one range (tied weights)', bytes: () => makeFile(`{${T('a', 'F32', [2], 0, 8)},${T('b', 'F32', [2], 0, 8)}}`, 8), code: 'INVALID_OFFSETS', tensor: 'b' },
  { name: 'trailing bytes after the last tensor', bytes: () => makeFile(`{${W}}`, 9), code: 'TRAILING_BYTES' },
  { name: 'polyglot: a zip appended to a valid file', bytes: () => makeFile(`{${W}}`, Uint8Array.from([...new Uint8Array(8), 0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(26)])), code: 'TRAILING_BYTES' },
  { name: 'data area shorter than the offsets', bytes: () => makeFile(`{${W}}`, 5), code: 'TRUNCATED' },
  { name: 'offsets 2^53 bytes past the end', bytes: () => makeFile(`{${T('w', 'U8', [2 ** 53], 0, 2 ** 53)}}`), code: 'TRUNCATED' },
];

async function expectFailure(c: Case): Promise<SafetensorsError> {
  const bytes = c.bytes();
  let mem: unknown;
  try {
    parseHeader(bytes, bytes.length, 'mem');
  } catch (e) {
    mem = e;
  }
  expect(mem).toBeInstanceOf(SafetensorsError);
  expect((mem as SafetensorsError).code).toBe(c.code);
  const path = tmp.write(`${cases.indexOf(c)}.safetensors`, bytes);
  const err = await openSafetensors(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafetensorsError);
  const se = err as SafetensorsError;
  expect(se.code).toBe(c.code);
  expect(se.file).toBe(path);
  expect(se.tensor).toBe(c.tensor ?? null);
  expect(se.message).toContain(path);
  expect(se.message).toContain(c.code);
  return se;
}

describe('malformed safetensors files', () => {
  it('the corpus has at least 30 files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of cases) {
    it(`${c.name} -> ${c.code}`, async () => {
      await expectFailure(c);
    });
  }

  it('messages say what is wrong (size mismatch names shape, dtype and both sizes)', async () => {
    const e = await expectFailure(cases.find((c) => c.name.startsWith('size mismatch: [2, 2]'))!);
    expect(e.reason).toBe('F32 x [2, 2] needs 16 bytes but data_offsets span 12');
  });

  it('control characters in a tensor name are escaped in the message', () => {
    const bytes = makeFile(`{"evil\\u001b[2J":5}`);
    expect(() => parseHeader(bytes, bytes.length, 'mem')).toThrow(/"evil\\u001b\[2J"/);
  });
});

describe('resource bounds', () => {
  it('a 30 MB header of empty objects under an unknown key parses without building them', () => {
    // as a tree (JSON.parse, or a Map per object) this costs ~700 MB of heap; scanned, ~nothing
    const n = 3_000_000;
    const members = Array.from({ length: n }, (_, i) => `"${i.toString(36)}":{}`).join(',');
    const bytes = makeFile(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":{${members}}}}`);
    const before = process.memoryUsage().heapUsed;
    const h = parseHeader(bytes, bytes.length, 'mem');
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(250e6);
    expect(h.tensors).toHaveLength(1);
  });

  it('a duplicate among millions of keys is still found (hashed key table)', () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":0`);
    keys.push('"k123456":1');
    const bytes = makeFile(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":{${keys.join(',')}}}}`);
    expect(() => parseHeader(bytes, bytes.length, 'mem')).toThrow(/duplicate key "k123456"/);
  });
});

describe('valid edge cases (decisions where the reference is lenient or silent)', () => {
  const ok = (bytes: Uint8Array) => parseHeader(bytes, bytes.length, 'mem');

  it('offsets out of document order are valid: ranges are sorted first, as the reference does', () => {
    const h = ok(makeFile(`{${T('b', 'F32', [1], 4, 8)},${T('a', 'F32', [1], 0, 4)}}`, 8));
    expect(h.tensors.map((t) => t.name)).toEqual(['a', 'b']);
  });
  it('leading and trailing JSON whitespace (space, tab, LF, CR) is accepted', () => {
    expect(ok(makeFile(` \t\r\n{${W}}\n\t \r`, 8)).tensors).toHaveLength(1);
  });
  it('unknown keys inside an entry are ignored, as the reference ignores them', () => {
    const h = ok(makeFile(`{"w":{"x":[{"y":null}],"dtype":"F32","shape":[2],"data_offsets":[0,8],"z":1.5e3}}`, 8));
    expect(h.tensors[0]).toEqual({ name: 'w', dtype: 'F32', shape: [2], byteSize: 8, dataOffsets: [0, 8] });
  });
  it('"{}" with no padding (N = 2) is an empty file', () => {
    expect(ok(makeFile('{}'))).toMatchObject({ headerSize: 2, dataStart: 10, tensors: [], metadata: null });
  });
  it('empty tensors, rank-0 tensors, a 0 dim next to a 2^53 dim, empty names, several empties at one offset', () => {
    const h = ok(makeFile(`{${T('', 'F32', [], 0, 4)},${T('z', 'U8', [0, 2 ** 53], 4, 4)},${T('y', 'BF16', [3, 0], 4, 4)}}`, 4));
    expect(h.tensors.map((t) => [t.name, t.byteSize])).toEqual([['', 4], ['y', 0], ['z', 0]]);
  });
  it('sub-byte dtypes with whole bytes load their table entries (F4 x 4 = 2 bytes, F6 x 4 = 3 bytes)', () => {
    const h = ok(makeFile(`{${T('a', 'F4', [2, 2], 0, 2)},${T('b', 'F6_E3M2', [4], 2, 5)}}`, 5));
    expect(h.tensors.map((t) => t.byteSize)).toEqual([2, 3]);
  });
  it('escaped names decode (\\u0077 is "w"), and "__proto__" is an ordinary name', () => {
    const h = ok(makeFile(`{"\\u0077":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"__metadata__":{"__proto__":"x"}}`, 2));
    expect(h.tensors.map((t) => t.name)).toEqual(['w', '__proto__']);
    expect(Object.keys(h.metadata!)).toEqual(['__proto__']);
  });
  it('a valid file round-trips through buildValid (sanity of the test builder)', () => {
    const h = ok(buildValid([{ name: 'w', dtype: 'F32', shape: [2], data: f32Bytes([1, 2]) }], { a: 'b' }));
    expect(h.metadata).toEqual({ a: 'b' });
  });
});

// ---- checkpoints ----

function shard(tensors: Record<string, number[]>): Uint8Array {
  return buildValid(Object.entries(tensors).map(([name, v]) => ({ name, dtype: 'F32', shape: [v.length], data: f32Bytes(v) })));
}

function checkpointDir(name: string, index: string | object, shards: Record<string, Uint8Array>): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.safetensors.index.json'), typeof index === 'string' ? index : JSON.stringify(index));
  for (const [f, b] of Object.entries(shards)) writeFileSync(join(dir, f), b);
  return dir;
}

interface DirCase {
  name: string;
  dir: () => string;
  code: SafetensorsErrorCode;
  tensor?: string;
}

const S1 = 'model-00001-of-00002.safetensors';
const S2 = 'model-00002-of-00002.safetensors';
const two = () => ({ [S1]: shard({ a: [1] }), [S2]: shard({ b: [2] }) });

const dirCases: DirCase[] = [
  { name: 'index.json is not JSON', dir: () => checkpointDir('notjson', '{"weight_map": ', two()), code: 'INVALID_INDEX' },
  { name: 'index.json is an array', dir: () => checkpointDir('array', '[]', two()), code: 'INVALID_INDEX' },
  { name: 'weight_map missing', dir: () => checkpointDir('nomap', { metadata: {} }, two()), code: 'INVALID_INDEX' },
  { name: 'weight_map value is not a string', dir: () => checkpointDir('mapval', { weight_map: { a: 1 } }, two()), code: 'INVALID_INDEX', tensor: 'a' },
  { name: 'duplicate tensor in weight_map', dir: () => checkpointDir('dupmap', `{"weight_map":{"a":"${S1}","a":"${S2}"}}`, two()), code: 'DUPLICATE_KEY' },
  { name: 'missing shard', dir: () => checkpointDir('missing', { weight_map: { a: S1, b: 'model-00003-of-00003.safetensors' } }, two()), code: 'MISSING_SHARD' },
  { name: 'traversal: ../ in a shard name', dir: () => checkpointDir('dotdot', { weight_map: { a: S1, b: `../dotdot/${S2}` } }, two()), code: 'PATH_TRAVERSAL' },
  { name: 'traversal: sub/../../ in a shard name', dir: () => checkpointDir('dotdot2', { weight_map: { a: S1, b: `sub/../../x/${S2}` } }, two()), code: 'PATH_TRAVERSAL' },
  { name: 'traversal: absolute shard path', dir: () => checkpointDir('abs', { weight_map: { a: S1, b: join(tmp.dir, 'abs', S2) } }, two()), code: 'PATH_TRAVERSAL' },
  { name: 'traversal: URL as a shard name', dir: () => checkpointDir('url', { weight_map: { a: S1, b: `https://example.com/${S2}` } }, two()), code: 'PATH_TRAVERSAL' },
  { name: 'tensor in the map but absent from its shard', dir: () => checkpointDir('absent', { weight_map: { a: S1, b: S2, c: S2 } }, two()), code: 'INVALID_INDEX', tensor: 'c' },
  { name: 'tensor in a shard but not in the map', dir: () => checkpointDir('unmapped', { weight_map: { a: S1, b: S2 } }, { [S1]: shard({ a: [1], extra: [3] }), [S2]: shard({ b: [2] }) }), code: 'INVALID_INDEX', tensor: 'extra' },
  { name: 'tensor in two shards', dir: () => checkpointDir('twice', { weight_map: { a: S1, b: S2 } }, { [S1]: shard({ a: [1], b: [9] }), [S2]: shard({ b: [2] }) }), code: 'INVALID_INDEX', tensor: 'b' },
  { name: 'malformed shard', dir: () => checkpointDir('badshard', { weight_map: { a: S1, b: S2 } }, { [S1]: shard({ a: [1] }), [S2]: Uint8Array.from([...shard({ b: [2] }), 0]) }), code: 'TRAILING_BYTES' },
  {
    name: 'directory with neither model.safetensors nor an index',
    dir: () => {
      const d = join(tmp.dir, 'emptydir');
      mkdirSync(d, { recursive: true });
      return d;
    },
    code: 'NOT_FOUND',
  },
  { name: 'path does not exist', dir: () => join(tmp.dir, 'no-such-dir'), code: 'NOT_FOUND' },
];

describe('malformed checkpoints', () => {
  for (const c of dirCases) {
    it(`${c.name} -> ${c.code}`, async () => {
      const dir = c.dir();
      for (const attempt of [() => openCheckpoint(dir), () => loadCheckpoint(dir)]) {
        const err = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SafetensorsError);
        expect((err as SafetensorsError).code).toBe(c.code);
        expect((err as SafetensorsError).tensor).toBe(c.tensor ?? null);
      }
    });
  }
});
