// Oracle for copy: a model of strided views (shape, element strides, element offset) and the
// gather that turns one into row-major order. Written from the view definitions (torch semantics),
// not from native/tensor.cpp.

export interface View {
  shape: number[];
  strides: number[];
  offset: number;
}

/** A view transformation, applied the same way to a Tensor and to a View. */
export type ViewStep =
  | readonly ['slice', number, number, number, number] // dim, start, end, step
  | readonly ['transpose', number, number]
  | readonly ['permute', ...number[]]
  | readonly ['expand', ...number[]];

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function contiguousView(shape: readonly number[]): View {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return { shape: [...shape], strides, offset: 0 };
}

function normDim(d: number, rank: number): number {
  const r = d < 0 ? d + rank : d;
  if (r < 0 || r >= rank) throw new Error(`reference: dim ${d} out of range for rank ${rank}`);
  return r;
}

export function applyStep(v: View, step: ViewStep): View {
  const shape = [...v.shape];
  const strides = [...v.strides];
  switch (step[0]) {
    case 'slice': {
      const [, dimIn, startIn, endIn, st] = step;
      const dim = normDim(dimIn, shape.length);
      const n = shape[dim]!;
      const start = startIn < 0 ? startIn + n : startIn;
      const end = endIn < 0 ? endIn + n : endIn;
      if (start < 0 || start > n || end < start || end > n || st < 1) throw new Error(`reference: bad slice ${step.join(',')} of size ${n}`);
      const len = Math.ceil((end - start) / st);
      const offset = v.offset + (len > 0 ? start * strides[dim]! : 0);
      shape[dim] = len;
      strides[dim] = strides[dim]! * st;
      return { shape, strides, offset };
    }
    case 'transpose': {
      const a = normDim(step[1], shape.length);
      const b = normDim(step[2], shape.length);
      [shape[a], shape[b]] = [shape[b]!, shape[a]!];
      [strides[a], strides[b]] = [strides[b]!, strides[a]!];
      return { shape, strides, offset: v.offset };
    }
    case 'permute': {
      const order = step.slice(1) as number[];
      if (order.length !== shape.length || new Set(order).size !== order.length) throw new Error('reference: bad permutation');
      return { shape: order.map((o) => v.shape[o]!), strides: order.map((o) => v.strides[o]!), offset: v.offset };
    }
    case 'expand': {
      const want = step.slice(1) as number[];
      const lead = want.length - shape.length;
      if (lead < 0) throw new Error('reference: expand to a lower rank');
      const outShape: number[] = [];
      const outStrides: number[] = [];
      for (let i = 0; i < want.length; i++) {
        const j = i - lead;
        if (j < 0) {
          outShape.push(want[i]!);
          outStrides.push(0);
          continue;
        }
        const have = shape[j]!;
        const w = want[i] === -1 ? have : want[i]!;
        if (w === have) {
          outShape.push(have);
          outStrides.push(strides[j]!);
        } else if (have === 1) {
          outShape.push(w);
          outStrides.push(0);
        } else {
          throw new Error(`reference: cannot expand size ${have} to ${w}`);
        }
      }
      return { shape: outShape, strides: outStrides, offset: v.offset };
    }
  }
}

export function applySteps(v: View, steps: readonly ViewStep[]): View {
  return steps.reduce(applyStep, v);
}

/** Storage indices of the view's elements in row-major order. */
export function viewIndices(v: View): number[] {
  const n = numel(v.shape);
  const out = new Array<number>(n);
  const rank = v.shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = v.offset;
    for (let d = 0; d < rank; d++) off += idx[d]! * v.strides[d]!;
    out[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < v.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The view's elements in row-major order. */
export function gather<T>(storage: ArrayLike<T>, v: View): T[] {
  return viewIndices(v).map((i) => {
    if (i < 0 || i >= storage.length) throw new Error(`reference: view reads index ${i} outside storage of ${storage.length}`);
    return storage[i]!;
  });
}
