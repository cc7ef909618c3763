// Strict JSON for safetensors headers and checkpoint indexes, as a pull scanner: the caller walks
// the document with its schema in hand and keeps only what it needs; everything else is checked
// (syntax, duplicate keys, depth) and dropped.
//
// Why not build a tree (or use JSON.parse): a 100 MB header of `"k":{},` members is valid JSON
// and, as a tree, costs gigabytes (a Map or object per 7 bytes of text) - enough to kill the
// process. Scanned this way, memory is what the schema retains (names, shapes, metadata strings)
// plus one key set per open object for duplicate detection.
//
// Strictness follows serde_json (the reference's parser): RFC 8259, no comments, trailing commas,
// NaN, leading zeros or lone surrogate escapes, nesting depth <= 128. Duplicate keys are an error
// in every object (JSON.parse keeps the last, which is how one file means two things).

/** Syntax error or duplicate key; callers turn it into a SafetensorsError. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly duplicate: boolean,
  ) {
    super(message);
  }
}

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** "an object", "a number", ... for messages. */
export function article(kind: JsonKind): string {
  return kind === 'object' || kind === 'array' ? `an ${kind}` : kind === 'null' ? 'null' : `a ${kind}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `bytes` as strict UTF-8 (a BOM is kept as U+FEFF, which is then invalid JSON), or null. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** How a caller names the failures of scanObjectDocument (its own error type and codes). */
export interface ObjectDocumentErrors {
  /** The document is valid JSON whose top-level value is not an object. */
  notObject(kind: JsonKind): Error;
  /** A syntax error or a duplicate key anywhere in the document (these win over notObject). */
  syntax(e: JsonSyntaxError): Error;
  /** The engine gave up (a RangeError, e.g. a Set past 2^24 keys). */
  tooComplex(e: RangeError): Error;
}

/**
 * The preamble every document we read shares (safetensors headers, checkpoint indexes): optional
 * whitespace, one top-level object whose members go to `onMember` (cursor on the value, which it
 * must consume at depth 2), optional whitespace, end. The whole text is checked before a
 * not-an-object error is reported, so a syntax error anywhere is the one reported.
 */
export function scanObjectDocument(text: string, onMember: (sc: JsonScanner, key: string) => void, errors: ObjectDocumentErrors): void {
  const sc = new JsonScanner(text);
  let notObject: JsonKind | null = null;
  try {
    sc.ws();
    const k = sc.kind();
    if (k === 'object') sc.object(1, (key) => onMember(sc, key));
    else {
      notObject = k;
      sc.skip(1);
    }
    sc.end();
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw errors.syntax(e);
    if (e instanceof RangeError) throw errors.tooComplex(e);
    throw e;
  }
  if (notObject !== null) throw errors.notObject(notObject);
}

/** serde_json's recursion limit; also keeps the recursive scanner far from the JS stack limit. */
export const MAX_DEPTH = 128;
// below this many keys a linear scan beats allocating a Set (tensor entries have 3)
const SMALL_OBJECT = 8;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The keys seen in one large object, for duplicate detection, in 8 bytes per slot: (hash, key
 * position) pairs in an open-addressing table. A hash match re-reads the earlier key from the
 * text to compare. A Set of strings would hold every key string (plus ~40 bytes per entry) for
 * as long as the object is open: ~1 GB for an object of 5 M short keys.
 */
class KeyTable {
  private table = new Int32Array(2 * 1024);
  private count = 0;

  /** Adds `key` (its text starts at `pos`); returns true when an equal key was added before. */
  add(key: string, pos: number, reread: (pos: number) => string): boolean {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    if (2 * (this.count + 1) > this.table.length / 2) this.grow();
    const mask = this.table.length / 2 - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = this.table[2 * slot + 1]!;
      if (at === 0) {
        this.table[2 * slot] = h;
        this.table[2 * slot + 1] = pos + 1; // 0 marks an empty slot
        this.count++;
        return false;
      }
      if (this.table[2 * slot] === h && reread(at - 1) === key) return true;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    const mask = this.table.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let slot = old[i]! & mask;
      while (this.table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      this.table[2 * slot] = old[i]!;
      this.table[2 * slot + 1] = old[i + 1]!;
    }
  }
}

export class JsonScanner {
  /** Position in the text (UTF-16 units). */
  i = 0;
  /** Set by number(): digits only (no sign, fraction or exponent). */
  plain = false;
  /** Set by number(): the value, exact when plain and digits <= 15. */
  value = 0;
  /** Set by number(): count of integer digits (for plain numbers). */
  digits = 0;
  /** Set by number(): where its text starts. */
  start = 0;

  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at character ${this.i}`, false);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  /** Kind of the value at the cursor (no whitespace skipped); fails on anything else. */
  kind(): JsonKind {
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return 'object';
    if (c === 0x5b) return 'array';
    if (c === 0x22) return 'string';
    if (c === 0x2d || isDigit(c)) return 'number';
    if (c === 0x74 || c === 0x66) return 'boolean';
    if (c === 0x6e) return 'null';
    return this.fail(Number.isNaN(c) ? 'unexpected end of JSON' : 'unexpected character');
  }

  /** After the document's value: only whitespace may follow. */
  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected data after the JSON value');
  }

  literal(): boolean | null {
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail('invalid literal');
  }

  /** Scans a number; results in plain / value / digits / start (no string is made). */
  number(): void {
    const s = this.s;
    let i = (this.start = this.i);
    const neg = s.charCodeAt(i) === 0x2d;
    if (neg) i++;
    const first = s.charCodeAt(i);
    let v = 0;
    const intStart = i;
    if (first === 0x30) i++;
    else if (isDigit(first)) {
      do v = v * 10 + (s.charCodeAt(i++) - 0x30);
      while (isDigit(s.charCodeAt(i)));
    } else {
      this.i = i;
      this.fail('invalid number');
    }
    this.digits = i - intStart;
    let plain = !neg;
    if (s.charCodeAt(i) === 0x2e) {
      plain = false;
      if (!isDigit(s.charCodeAt(++i))) {
        this.i = i;
        this.fail('invalid number');
      }
      while (isDigit(s.charCodeAt(++i)));
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      plain = false;
      const sign = s.charCodeAt(++i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(s.charCodeAt(i))) {
        this.i = i;
        this.fail('invalid number');
      }
      while (isDigit(s.charCodeAt(++i)));
    }
    this.i = i;
    this.plain = plain;
    this.value = v;
  }

  /** The text of the number scanned last. */
  numberText(): string {
    return this.s.slice(this.start, this.i);
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1;
    let start = i;
    let out = '';
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return out + s.slice(start, i);
      }
      if (c !== 0x5c) {
        if (c < 0x20 || Number.isNaN(c)) {
          this.i = i;
          this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
        }
        i++;
        continue;
      }
      out += s.slice(start, i);
      const e = s.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hi = this.hex4(i);
          i += 4;
          if (hi >= 0xdc00 && hi <= 0xdfff) {
            this.i = i;
            this.fail('lone trailing surrogate escape');
          }
          if (hi >= 0xd800 && hi <= 0xdbff) {
            // a leading surrogate must be followed by an escaped trailing one
            const lo = s.charCodeAt(i) === 0x5c && s.charCodeAt(i + 1) === 0x75 ? this.hex4(i + 2) : -1;
            if (lo < 0xdc00 || lo > 0xdfff) {
              this.i = i;
              this.fail('lone leading surrogate escape');
            }
            i += 6;
            out += String.fromCharCode(hi, lo);
          } else {
            out += String.fromCharCode(hi);
          }
          break;
        }
        default:
          this.i = i - 1;
          this.fail('invalid escape');
      }
      start = i;
    }
  }

  private hex4(at: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.s.charCodeAt(at + k);
      let d: number;
      if (isDigit(c)) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else {
        this.i = at + k;
        return this.fail('invalid \\u escape');
      }
      v = v * 16 + d;
    }
    return v;
  }

  /**
   * Walks an object at nesting `depth` (the cursor on `{`). For each member, `onMember(key)` is
   * called with the cursor on the value, and must consume exactly that value (at depth + 1).
   * Duplicate keys fail before onMember sees them.
   */
  object(depth: number, onMember: (key: string) => void): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return;
    }
    const small: string[] = [];
    const smallAt: number[] = [];
    let big: KeyTable | null = null;
    for (;;) {
      if (s.charCodeAt(this.i) !== 0x22) this.fail('expected a string key');
      const at = this.i;
      const key = this.string();
      let dup: boolean;
      if (big !== null) dup = big.add(key, at, this.reread);
      else {
        dup = small.includes(key);
        small.push(key);
        smallAt.push(at);
        if (small.length > SMALL_OBJECT) {
          big = new KeyTable();
          for (let k = 0; k < small.length; k++) big.add(small[k]!, smallAt[k]!, this.reread);
        }
      }
      if (dup) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}...` : key)} at character ${at}`, true);
      this.ws();
      if (s.charCodeAt(this.i) !== 0x3a) this.fail("expected ':'");
      this.i++;
      this.ws();
      onMember(key);
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x7d) {
        this.i++;
        return;
      }
      if (c !== 0x2c) this.fail("expected ',' or '}'");
      this.i++;
      this.ws();
    }
  }

  /** Walks an array at `depth`; `onItem()` must consume each item (at depth + 1). */
  array(depth: number, onItem: () => void): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      onItem();
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x5d) {
        this.i++;
        return;
      }
      if (c !== 0x2c) this.fail("expected ',' or ']'");
      this.i++;
      this.ws();
    }
  }

  /** The key whose text starts at `pos` (already validated), read again. */
  private readonly reread = (pos: number): string => {
    const save = this.i;
    this.i = pos;
    const key = this.string();
    this.i = save;
    return key;
  };

  /** Checks and drops the value at the cursor (containers at `depth`). */
  skip(depth: number): void {
    switch (this.kind()) {
      case 'object':
        this.object(depth, () => this.skip(depth + 1));
        return;
      case 'array':
        this.array(depth, () => this.skip(depth + 1));
        return;
      case 'string':
        this.string();
        return;
      case 'number':
        this.number();
        return;
      default:
        this.literal();
    }
  }
}
