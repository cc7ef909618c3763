// Property-based fuzzing of the safetensors reader (fast-check): mutations of valid files (bit
// flips, byte edits, inserts, deletes, truncation, header-length edits, JSON edits) either fail with
// a SafetensorsError or are accepted consistently with an independent JSON.parse-based oracle and
// load exactly the bytes of their ranges. Edits that keep the meaning must load identically.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError, openSafetensors, type SafetensorsErrorCode } from '../../src/index.js';
import { SAFETENSORS_DTYPES, parseHeader, type ParsedHeader } from '../../src/io/safetensors/format.js';
import { F8_E4M3_TABLE, F8_E5M2_TABLE, LOAD_DTYPES } from '../../src/io/safetensors/reader.js';
import { BITS, makeFile, oracle, tempDir } from './safetensors-helpers.js';

const tmp = tempDir('fuzz');
// fixed by default so that CI is reproducible; XEMB_FUZZ_SEED=<n> explores other corners
const SEED = Number(process.env.XEMB_FUZZ_SEED ?? 20261125);
afterAll(() => tmp.cleanup());

// ---- valid files ----

interface Spec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}
interface Case {
  specs: Spec[];
  /** `"name":{...}` fragments (and `"__metadata__":{...}`), in key order. */
  entries: string[];
  pad: string;
  data: Uint8Array;
}

const NAMES = ['a', 'b', 'w.0', 'model.layers.0.mlp.up_proj.weight', '', 'é', '😀', '\uffff', '__proto__', 'x"y', 'n\\m', 'tab\there'];

const specArb = fc
  .record({
    name: fc.constantFrom(...NAMES),
    dtype: fc.constantFrom(...SAFETENSORS_DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    seed: fc.nat(),
  })
  .map(({ name, dtype, shape, seed }) => {
    const bits = BITS[dtype]!;
    // sub-byte dtypes need whole bytes: a trailing dim of 8 guarantees it
    const s = (shape.reduce((a, b) => a * b, 1) * bits) % 8 === 0 ? shape : [...shape, 8];
    const n = (s.reduce((a, b) => a * b, 1) * bits) / 8;
    let x = seed | 1;
    const data = Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    return { name, dtype, shape: s, data };
  });

const metaArb = fc.option(fc.dictionary(fc.constantFrom('format', 'note', 'é', '__proto__', ''), fc.constantFrom('pt', '', 'a "q"', '日本', '\n')), { nil: undefined });

const caseArb = fc
  .record({ specs: fc.uniqueArray(specArb, { selector: (s) => s.name, maxLength: 5 }), meta: metaArb, perm: fc.nat(), extraPad: fc.integer({ min: 0, max: 2 }) })
  .map(({ specs, meta, perm, extraPad }): Case => {
    let off = 0;
    const frags = specs.map((s) => {
      const f = `${JSON.stringify(s.name)}:{"dtype":"${s.dtype}","shape":${JSON.stringify(s.shape)},"data_offsets":[${off},${off + s.data.length}]}`;
      off += s.data.length;
      return f;
    });
    // key order independent of data order (the reader sorts by offset)
    for (let i = frags.length - 1; i > 0; i--) {
      const j = (perm >>> i) % (i + 1);
      [frags[i], frags[j]] = [frags[j]!, frags[i]!];
    }
    if (meta !== undefined) frags.splice(perm % (frags.length + 1), 0, `"__metadata__":${JSON.stringify(meta)}`);
    const data = new Uint8Array(off);
    let at = 0;
    for (const s of specs) {
      data.set(s.data, at);
      at += s.data.length;
    }
    const len = Buffer.byteLength(`{${frags.join(',')}}`);
    return { specs, entries: frags, pad: ' '.repeat(((8 - (len % 8)) % 8) + 8 * extraPad), data };
  });

const serialize = (c: Case) => makeFile(`{${c.entries.join(',')}}${c.pad}`, c.data);

// ---- mutations ----

const NUMBERS = [
  '0', '1', '-1', '2.5', '2.0', '1e3', '-0', '8', '9007199254740992', '9007199254740993', '18446744073709551616', '4294967296', '007', '1 ',
  // several numbers at once: in a shape they overflow u64 (also past a 0 dim)
  '4294967296,4294967296,4294967296', '1099511627776,1099511627776,0',
];
const STRINGS = ['"F32"', '"BOOL"', '"F4"', '"F6_E3M2"', '"F128"', '"bf16"', '"__metadata__"', '"dtype"', '"shape"', '"data_offsets"', '"a"', '"\\ud800"', '"\\u0061"', '1', 'null', '{}', '[]', '""'];

type JsonEdit =
  | { k: 'number'; at: number; v: string }
  | { k: 'string'; at: number; v: string }
  | { k: 'dupEntry'; at: number }
  | { k: 'dropEntry'; at: number }
  | { k: 'dropField'; at: number; field: string }
  | { k: 'entryValue'; at: number; v: string }
  | { k: 'raw'; at: number; v: string };

const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ k: fc.constant('number' as const), at: fc.nat(), v: fc.constantFrom(...NUMBERS) }),
  fc.record({ k: fc.constant('string' as const), at: fc.nat(), v: fc.constantFrom(...STRINGS) }),
  fc.record({ k: fc.constant('dupEntry' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('dropEntry' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('dropField' as const), at: fc.nat(), field: fc.constantFrom('dtype', 'shape', 'data_offsets') }),
  fc.record({ k: fc.constant('entryValue' as const), at: fc.nat(), v: fc.constantFrom('1', 'null', '[]', '"F32"', '{}', '{"a":"b"}', '{"a":1}') }),
  fc.record({ k: fc.constant('raw' as const), at: fc.nat(), v: fc.constantFrom(',', '{', '}', '[', ']', ':', '"', '\\', ' ', '\t', '\0', '\ufeff', 'é') }),
);

function applyJson(c: Case, e: JsonEdit): Case {
  const entries = [...c.entries];
  const i = entries.length ? e.at % entries.length : 0;
  switch (e.k) {
    case 'dupEntry':
      if (entries.length) entries.splice(i, 0, entries[i]!);
      return { ...c, entries };
    case 'dropEntry':
      entries.splice(i, 1);
      return { ...c, entries };
    case 'entryValue':
      if (entries.length) entries[i] = `${entries[i]!.slice(0, entries[i]!.indexOf('":') + 2)}${e.v}`;
      return { ...c, entries };
    case 'dropField':
      if (entries.length) entries[i] = entries[i]!.replace(new RegExp(`"${e.field}":(\\[[^\\]]*\\]|"[^"]*"),?`), '').replace(',}', '}');
      return { ...c, entries };
    default: {
      const text = entries.join(',');
      const re = e.k === 'number' ? /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g : e.k === 'string' ? /"(?:[^"\\]|\\.)*"/g : /[\s\S]/g;
      const hits = [...text.matchAll(re)];
      if (!hits.length) return c;
      const h = hits[e.at % hits.length]!;
      const out = text.slice(0, h.index) + e.v + text.slice(h.index! + (e.k === 'raw' ? 0 : h[0].length));
      return { ...c, entries: [out] };
    }
  }
}

/** Where an edit lands: the length prefix and JSON, the data area, or anywhere. */
type Region = 'head' | 'data' | 'any';
type ByteEdit =
  | { k: 'flip'; pos: number; bit: number; at: Region }
  | { k: 'set'; pos: number; v: number; at: Region }
  | { k: 'insert'; pos: number; bytes: Uint8Array; at: Region }
  | { k: 'delete'; pos: number; len: number; at: Region }
  | { k: 'truncate'; pos: number }
  | { k: 'length'; v: bigint | number };

const regionArb = fc.constantFrom<Region>('head', 'data', 'any');
const byteEditArb: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), at: regionArb }),
  fc.record({ k: fc.constant('set' as const), pos: fc.nat(), v: fc.integer({ min: 0, max: 255 }), at: regionArb }),
  fc.record({ k: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), at: regionArb }),
  fc.record({ k: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 8 }), at: regionArb }),
  fc.record({ k: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({
    k: fc.constant('length' as const),
    v: fc.oneof(
      fc.integer({ min: -16, max: 16 }),
      fc.constantFrom(0n, 1n, 2n, 7n, 100_000_000n, 100_000_001n, 1n << 32n, 1n << 63n, (1n << 64n) - 1n),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    ),
  }),
);

function applyBytes(buf: Uint8Array, e: ByteEdit): Uint8Array {
  const n = buf.length >= 8 ? Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true)) : 0;
  const headEnd = Math.min(buf.length, 8 + Math.min(n, 1 << 20));
  const [lo, hi] = !('at' in e) || e.at === 'any' ? [0, buf.length] : e.at === 'head' ? [0, headEnd] : [headEnd, buf.length];
  const pos = 'pos' in e ? (hi > lo ? lo + (e.pos % (hi - lo)) : lo) : 0;
  switch (e.k) {
    case 'flip':
    case 'set': {
      if (pos >= buf.length) return buf;
      const out = buf.slice();
      out[pos] = e.k === 'flip' ? out[pos]! ^ (1 << e.bit) : e.v;
      return out;
    }
    case 'insert':
      return Uint8Array.from([...buf.subarray(0, pos), ...e.bytes, ...buf.subarray(pos)]);
    case 'delete':
      return Uint8Array.from([...buf.subarray(0, pos), ...buf.subarray(pos + e.len)]);
    case 'truncate':
      return buf.slice(0, pos);
    case 'length': {
      if (buf.length < 8) return buf;
      const out = buf.slice();
      const v = typeof e.v === 'bigint' ? e.v : BigInt.asUintN(64, BigInt(n + e.v));
      new DataView(out.buffer).setBigUint64(0, v, true);
      return out;
    }
  }
}

// ---- the property ----

/** Codes whose files the looser JSON.parse oracle must reject as well. */
const ORACLE_REJECTS = new Set<SafetensorsErrorCode>([
  'HEADER_TOO_SMALL', 'HEADER_TOO_LARGE', 'INVALID_HEADER_LENGTH', 'INVALID_UTF8', 'INVALID_ENTRY', 'UNKNOWN_DTYPE',
  'INVALID_METADATA', 'OVERFLOW', 'MISALIGNED_SLICE', 'SIZE_MISMATCH', 'TRAILING_BYTES', 'TRUNCATED',
]);

function table(ts: readonly { name: string; dtype: string; shape: readonly number[]; begin: number; end: number }[]) {
  return [...ts].map((t) => JSON.stringify([t.name, t.dtype, t.shape, t.begin, t.end])).sort();
}

function specTable(specs: Spec[]) {
  let off = 0;
  return table(specs.map((s) => ({ ...s, begin: off, end: (off += s.data.length) })));
}

/** parseHeader on a mutated buffer: a SafetensorsError, or a result the oracle agrees with. */
function check(buf: Uint8Array, stats: Map<string, number>): ParsedHeader | null {
  let h: ParsedHeader;
  try {
    h = parseHeader(buf, buf.length, 'fuzz');
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw new Error(`not a SafetensorsError: ${String(e)}`);
    stats.set(e.code, (stats.get(e.code) ?? 0) + 1);
    if (ORACLE_REJECTS.has(e.code) && typeof oracle(buf) !== 'string') throw new Error(`oracle accepts what we reject with ${e.code}: ${e.message}`);
    return null;
  }
  stats.set('accepted', (stats.get('accepted') ?? 0) + 1);
  const o = oracle(buf);
  if (typeof o === 'string') throw new Error(`oracle rejects (${o}) what we accept`);
  expect(table(h.tensors.map((t) => ({ ...t, begin: t.dataOffsets[0], end: t.dataOffsets[1] })))).toEqual(table(o.tensors));
  expect(h.metadata === null ? null : { ...h.metadata }).toEqual(o.metadata === null ? null : { ...o.metadata });
  expect(h.dataStart).toBe(o.dataStart);
  expect(h.dataStart + h.tensors.reduce((a, t) => a + t.byteSize, 0)).toBe(buf.length);
  return h;
}

// weighted towards edits that often keep the file valid, so that both verdicts are exercised
const mutationArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ json: fc.array(jsonEditArb, { minLength: 1, maxLength: 2 }), bytes: fc.constant<ByteEdit[]>([]) }) },
  { weight: 2, arbitrary: fc.record({ json: fc.constant<JsonEdit[]>([]), bytes: fc.array(byteEditArb.filter((e) => 'at' in e && e.at === 'data' && (e.k === 'flip' || e.k === 'set')), { minLength: 1, maxLength: 2 }) }) },
  { weight: 5, arbitrary: fc.record({ json: fc.array(jsonEditArb, { maxLength: 2 }), bytes: fc.array(byteEditArb, { maxLength: 2 }) }) },
);

describe('safetensors fuzz', () => {
  it('20,000 mutations of valid files: SafetensorsError or accepted consistently with the oracle', () => {
    const stats = new Map<string, number>();
    let dataOnly = 0;
    fc.assert(
      fc.property(caseArb, mutationArb, (c, m) => {
        const original = serialize(c);
        let mutatedCase = c;
        for (const e of m.json) mutatedCase = applyJson(mutatedCase, e);
        let buf = serialize(mutatedCase);
        for (const e of m.bytes) buf = applyBytes(buf, e);
        if (m.json.length === 0 && m.bytes.length === 0) buf = applyBytes(buf, { k: 'flip', pos: c.entries.length, bit: 3, at: 'head' });
        const h = check(buf, stats);
        // a change confined to the data area never changes the verdict or the table
        const headLen = original.length - c.data.length;
        if (buf.length === original.length && Buffer.from(buf.subarray(0, headLen)).equals(original.subarray(0, headLen))) {
          dataOnly++;
          expect(h).not.toBeNull();
          expect(table(h!.tensors.map((t) => ({ ...t, begin: t.dataOffsets[0], end: t.dataOffsets[1] })))).toEqual(specTable(c.specs));
        }
      }),
      { numRuns: 20_000, seed: SEED },
    );
    const codes = [...stats.keys()].filter((k) => k !== 'accepted');
    // the corpus must exercise both outcomes and most failure paths
    expect(stats.get('accepted') ?? 0).toBeGreaterThan(2000);
    expect(codes.sort()).toEqual(
      ['DUPLICATE_KEY', 'HEADER_TOO_LARGE', 'HEADER_TOO_SMALL', 'INVALID_ENTRY', 'INVALID_HEADER_LENGTH', 'INVALID_JSON', 'INVALID_METADATA', 'INVALID_OFFSETS', 'INVALID_SHAPE', 'INVALID_UTF8', 'MISALIGNED_SLICE', 'OVERFLOW', 'SIZE_MISMATCH', 'TRAILING_BYTES', 'TRUNCATED', 'UNKNOWN_DTYPE'],
    );
    expect(dataOnly).toBeGreaterThan(1000);
  });

  it('meaning-preserving edits (key order, whitespace, unknown fields, escapes, padding) load identically', () => {
    const WS = [' ', '\t', '\n', '\r'];
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.constantFrom(...WS), fc.integer({ min: 0, max: 3 }), (c, at, ws, kind) => {
        let header = `{${c.entries.join(',')}}`;
        if (kind === 0) header = `${ws}${header.replace(/,/g, `,${ws}`).replace(/:/g, `${ws}:${ws}`)}${ws}`;
        if (kind === 1) header = header.replace(/"dtype"/g, '"extra":{"k":[1,2.5e3,null,true]},"dtype"');
        if (kind === 2) header = header.replace(/[a-z]/, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
        if (kind === 3) header = `{${[...c.entries].reverse().join(',')}}${' '.repeat(at % 20)}`;
        const buf = makeFile(header, c.data);
        const h = parseHeader(buf, buf.length, 'fuzz');
        expect(table(h.tensors.map((t) => ({ ...t, begin: t.dataOffsets[0], end: t.dataOffsets[1] })))).toEqual(specTable(c.specs));
        for (const s of c.specs) {
          const t = h.tensors.find((x) => x.name === s.name)!;
          expect(Buffer.from(buf.subarray(h.dataStart + t.dataOffsets[0], h.dataStart + t.dataOffsets[1])).equals(Buffer.from(s.data))).toBe(true);
        }
      }),
      { numRuns: 1000, seed: SEED + 1 },
    );
  });

  it('300 mutated files through the real file path: open + load every loadable tensor, bytes exact', async () => {
    const stats = new Map<string, number>();
    let loaded = 0;
    let k = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, mutationArb, async (c, m) => {
        let mc = c;
        for (const e of m.json) mc = applyJson(mc, e);
        let buf = serialize(mc);
        for (const e of m.bytes) buf = applyBytes(buf, e);
        const path = tmp.write(`f${k++ % 16}.safetensors`, buf);
        let f;
        try {
          f = await openSafetensors(path);
        } catch (e) {
          if (!(e instanceof SafetensorsError)) throw new Error(`not a SafetensorsError: ${String(e)}`);
          stats.set(e.code, (stats.get(e.code) ?? 0) + 1);
          return;
        }
        try {
          for (const info of f.tensors) {
            const slice = buf.subarray(f.dataStart + info.dataOffsets[0], f.dataStart + info.dataOffsets[1]);
            if (LOAD_DTYPES[info.dtype] === undefined) {
              await expect(f.load(info.name)).rejects.toMatchObject({ code: 'UNSUPPORTED_DTYPE' });
              continue;
            }
            const t = await f.load(info.name);
            expect(t.shape).toEqual(info.shape);
            const got = await t.data();
            expectDecoded(info.dtype, slice, got);
            t.dispose();
            loaded++;
          }
        } finally {
          await f.close();
        }
      }),
      { numRuns: 300, seed: SEED + 2 },
    );
    expect(loaded).toBeGreaterThan(50);
    expect(stats.size).toBeGreaterThan(5);
  });
});

/** What loading `slice` as `dtype` must give, checked element by element. */
function expectDecoded(dtype: string, slice: Uint8Array, got: ArrayBufferView): void {
  const dv = new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
  const raw = Buffer.from(got.buffer, got.byteOffset, got.byteLength);
  switch (dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
    case 'I32':
    case 'I64':
    case 'U8':
      expect(raw.equals(Buffer.from(slice))).toBe(true);
      return;
    case 'BOOL':
      expect(Array.from(got as Uint8Array)).toEqual(Array.from(slice, (b) => (b !== 0 ? 1 : 0)));
      return;
    case 'I16':
      expect(Array.from(got as Int32Array)).toEqual(Array.from({ length: slice.length / 2 }, (_, i) => dv.getInt16(2 * i, true)));
      return;
    case 'I8':
      expect(Array.from(got as Int32Array)).toEqual(Array.from({ length: slice.length }, (_, i) => dv.getInt8(i)));
      return;
    case 'F64':
      expect(Array.from(got as Float32Array)).toEqual(Array.from({ length: slice.length / 8 }, (_, i) => Math.fround(dv.getFloat64(8 * i, true))));
      return;
    case 'F8_E4M3':
    case 'F8_E5M2': {
      const table = dtype === 'F8_E4M3' ? F8_E4M3_TABLE : F8_E5M2_TABLE;
      expect(Array.from(got as Float32Array)).toEqual(Array.from(slice, (b) => table[b]!));
      return;
    }
    default:
      throw new Error(`unexpected loadable dtype ${dtype}`);
  }
}
