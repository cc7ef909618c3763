// Oracles for the data-movement ops, written from the PyTorch definitions (torch.index_select,
// torch.gather, index_put_ in index order, torch.cat, F.embedding) on row-major element lists.
// Elements are opaque (numbers, bigints or half words): these ops never compute on them.

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** out[o, j, i] = x[o, index[j], i] with x viewed [outer, size, inner] around dim. */
export function indexSelectRef<T>(x: readonly T[], shape: readonly number[], dim: number, index: readonly number[]): { out: T[]; shape: number[] } {
  const outer = prod(shape.slice(0, dim));
  const size = shape[dim]!;
  const inner = prod(shape.slice(dim + 1));
  const out: T[] = [];
  for (let o = 0; o < outer; o++)
    for (const j of index) {
      if (j < 0 || j >= size) throw new Error(`reference: index ${j} out of range`);
      for (let i = 0; i < inner; i++) out.push(x[(o * size + j) * inner + i]!);
    }
  const oshape = [...shape];
  oshape[dim] = index.length;
  return { out, shape: oshape };
}

/** torch.gather: out[c] = x[c with c[dim] = index[c]], c over index's shape. */
export function gatherRef<T>(x: readonly T[], shape: readonly number[], dim: number, index: readonly number[], ishape: readonly number[]): T[] {
  const xs = strides(shape);
  const n = prod(ishape);
  const out: T[] = [];
  const c = new Array<number>(ishape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let rest = e;
    for (let d = ishape.length - 1; d >= 0; d--) {
      c[d] = rest % ishape[d]!;
      rest = Math.floor(rest / ishape[d]!);
    }
    let off = 0;
    for (let d = 0; d < ishape.length; d++) off += (d === dim ? index[e]! : c[d]!) * xs[d]!;
    out.push(x[off]!);
  }
  return out;
}

/** A copy of x [R, inner] with rows index[i] <- src[i], assigned in order (so the last one stays). */
export function scatterRowsRef<T>(x: readonly T[], rows: number, index: readonly number[], src: readonly T[]): T[] {
  const inner = rows === 0 ? 0 : x.length / rows;
  const out = [...x];
  index.forEach((r, i) => {
    for (let k = 0; k < inner; k++) out[r * inner + k] = src[i * inner + k]!;
  });
  return out;
}

/** torch.cat along dim. */
export function concatRef<T>(parts: readonly { values: readonly T[]; shape: readonly number[] }[], dim: number): { out: T[]; shape: number[] } {
  const s0 = parts[0]!.shape;
  const outer = prod(s0.slice(0, dim));
  const inner = prod(s0.slice(dim + 1));
  const out: T[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const len = p.shape[dim]! * inner;
      for (let k = 0; k < len; k++) out.push(p.values[o * len + k]!);
    }
  const shape = [...s0];
  shape[dim] = parts.reduce((a, p) => a + p.shape[dim]!, 0);
  return { out, shape };
}

/** F.embedding: rows of table [V, D] for each id, in ids order. */
export function embeddingRef<T>(table: readonly T[], v: number, d: number, ids: readonly number[]): T[] {
  const out: T[] = [];
  for (const id of ids) {
    if (id < 0 || id >= v) throw new Error(`reference: id ${id} out of range`);
    for (let k = 0; k < d; k++) out.push(table[id * d + k]!);
  }
  return out;
}
