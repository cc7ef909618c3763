// Views share storage and compute the same indices as an independent strided reference.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops } from '../../src/index.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i + 1);

// element [idx] of a row-major array of `shape`
function at(data: Float32Array, shape: number[], idx: number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d]! + idx[d]!;
  return data[off]!;
}

function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}

async function expectView(view: Tensor, expected: (idx: number[]) => number) {
  const got = await view.toArray();
  let i = 0;
  for (const idx of indices(view.shape)) expect(got[i++], `at [${idx.join(', ')}]`).toBe(expected(idx));
}

describe('views', () => {
  const shape = [3, 4, 5];
  const data = iota(60);

  it('slice with negative indices and steps shares storage', async () => {
    const t = Tensor.from(data, { shape });
    const s = t.slice(2, -4, 5, 2); // elements 1, 3 of the last dim
    expect(s.shape).toEqual([3, 4, 2]);
    expect(s.isContiguous).toBe(false);
    expect(s.handle.storage[0]).toBe(t.handle.storage[0]);
    expect(s.handle.storage[1]).toBe(4); // one f32 in
    await expectView(s, ([a, b, c]) => at(data, shape, [a!, b!, 1 + 2 * c!]));
  });

  it('permute, transpose, reshape, expand', async () => {
    const t = Tensor.from(data, { shape });
    await expectView(t.permute(2, 0, 1), ([c, a, b]) => at(data, shape, [a!, b!, c!]));
    await expectView(t.transpose(0, 2), ([c, b, a]) => at(data, shape, [a!, b!, c!]));
    const r = t.reshape(12, -1);
    expect(r.shape).toEqual([12, 5]);
    expect(r.handle.storage[0]).toBe(t.handle.storage[0]);
    await expectView(r, ([i, j]) => data[i! * 5 + j!]!);
    const col = Tensor.from([1, 2, 3], { shape: [3, 1] });
    const e = col.expand(2, 3, 4);
    expect(e.strides).toEqual([0, 1, 0]);
    await expectView(e, ([, i]) => i! + 1);
  });

  it('reshape of a non-contiguous view: a view when strides allow, a copy otherwise', async () => {
    const t = Tensor.from(data, { shape });
    const p = t.permute(1, 0, 2); // [4, 3, 5]: last dim still contiguous
    const v = p.reshape(4, 3, 5, 1).view(4, 3, 5); // adding/removing size-1 dims keeps a view
    expect(v.handle.storage[0]).toBe(t.handle.storage[0]);
    expect(() => p.view(60)).toThrow(KernelError); // view never copies
    const flat = p.reshape(60); // reshape copies
    expect(flat.handle.storage[0]).not.toBe(t.handle.storage[0]);
    await expectView(flat, ([i]) => at(data, shape, [Math.floor(i! / 5) % 3, Math.floor(i! / 15), i! % 5]));
  });

  it('views feed ops: add of a transposed view and a broadcast row', async () => {
    const a = Tensor.from(data, { shape: [12, 5] }).transpose(0, 1); // [5, 12]
    const b = Tensor.from(iota(12), { shape: [12] });
    const c = ops.add(a, b);
    await expectView(c, ([i, j]) => data[j! * 5 + i!]! + (j! + 1));
  });

  it('bad views are typed errors naming the argument and the received value', () => {
    const t = Tensor.from(data, { shape });
    const cases: [() => unknown, string, RegExp][] = [
      [() => t.slice(3, 0, 1), 'slice', /dim.*\[-3, 2\].*received 3/],
      [() => t.slice(0, 0, 9), 'slice', /end.*received 9/],
      [() => t.slice(0, -9, 2), 'slice', /start.*received -9/],
      [() => t.slice(0, 0, 2, 0), 'slice', /step >= 1, received 0/],
      [() => t.permute(0, 0, 1), 'permute', /permutation.*received \[0, 0, 1\]/],
      [() => t.permute(0, 1), 'permute', /3 dims.*received \[0, 1\]/],
      [() => t.reshape(7, -1), 'reshape', /infer -1.*60 elements/],
      [() => t.reshape(-1, -1, 60), 'reshape', /at most one -1/],
      [() => t.reshape(61), 'reshape', /60 elements.*received \[61\]/],
      [() => t.expand(3, 4), 'expand', /rank >= 3/],
      [() => t.expand(3, 8, 5), 'expand', /size 4.*dim 1/],
      [() => t.transpose(0, 5), 'transpose', /dim1.*received 5/],
    ];
    for (const [fn, op, msg] of cases) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, op).toBeInstanceOf(KernelError);
      const k = err as KernelError;
      expect(k.code).toBe('INVALID_ARGUMENT');
      expect(k.op).toBe(op);
      expect(k.message).toMatch(msg);
    }
  });
});
