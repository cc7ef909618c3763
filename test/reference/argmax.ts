// Oracle for argmax (torch.argmax semantics): along dim, the first index of the maximum; a NaN is
// larger than everything, so the first NaN wins. Values are plain numbers (halves decoded).

export function argmaxRef(x: ArrayLike<number>, shape: readonly number[], dim: number): number[] {
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const n = shape[dim]!;
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let j = 0; j < n; j++) {
        const v = x[(o * n + j) * inner + i]!;
        if (Number.isNaN(v)) {
          best = j;
          break;
        }
        if (v > x[(o * n + best) * inner + i]!) best = j;
      }
      out.push(best);
    }
  return out;
}
