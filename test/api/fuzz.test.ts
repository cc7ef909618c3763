// Random API misuse (bad shapes, dtypes, devices, values, disposed inputs, raw binding calls):
// (sizes stay small: a valid 2^31-element request would be honoured and take seconds)
// every failure must be a typed error, never a crash, and the process must stay usable.
import { describe, expect, it } from 'vitest';
import { binding } from '../../src/binding.js';
import { KernelError, Tensor, guardViolations, ops, synchronize } from '../../src/index.js';

describe('API fuzz', () => {
  for (const run of [0, 1]) {
    it(`3000 random calls (seed ${run}) fail only with typed errors`, async () => {
      const untyped: string[] = [];
      let seed = 12345 + run;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
      const weird = () => pick<unknown>([0, 1, -1, 2, 3, 7, 3e4, 2 ** 53, -(2 ** 60), 0.5, NaN, Infinity, -Infinity, '3', null, undefined, {}, [], [1, 2], [-1], [2 ** 40, 2 ** 40], 5n, -5n, 2n ** 70n, true, 'f32', 'bf16', 'i64', 'bool', 'x']);
      const shape = () => (rnd() < 0.2 ? (weird() as number[]) : Array.from({ length: Math.floor(rnd() * 4) }, () => pick([0, 1, 2, 3, 5, -1, 4096])));
      const dts = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8', 'bool', 'f64', 7];
      const devs = ["cpu", "cuda-emu", "cuda", "cuda:1", "gpu"];
      const pool: Tensor[] = [];
      let errs = 0, typed = 0, ok = 0;
      for (let i = 0; i < 3000; i++) {
        try {
          const r = rnd();
          let t: Tensor | undefined;
          if (r < 0.15) t = ops.fill(shape(), weird() as number, { dtype: pick(dts) as never, device: pick(devs) as never });
          else if (r < 0.25) t = ops.arange(weird() as number, weird() as number, { step: weird() as number, dtype: pick(dts) as never, device: pick(devs) as never });
          else if (r < 0.35) t = ops.randomNormal(shape(), { seed: weird() as number, dtype: pick(dts) as never, device: pick(devs) as never });
          else if (r < 0.5 && pool.length) t = (ops as any)[pick(['add', 'sub', 'mul', 'div', 'matmul'])](pick(pool), rnd() < 0.8 ? pick(pool) : weird());
          else if (r < 0.6 && pool.length) t = ops.cast(pick(pool), pick(dts) as never);
          else if (r < 0.7 && pool.length) { const p = pick(pool); t = pick([() => p.slice(weird() as number, weird() as number, weird() as number, weird() as number), () => p.permute(...(weird() as number[] ?? [])), () => p.reshape(...(shape())), () => p.expand(...shape()), () => p.transpose(weird() as number, weird() as number), () => p.to(pick(devs) as never), () => p.contiguous()])(); }
          else if (r < 0.75 && pool.length) { const p = pool.splice(Math.floor(rnd() * pool.length), 1)[0]!; p.dispose(); }
          else if (r < 0.8 && pool.length) { await pick(pool).toArray(); }
          else if (r < 0.85) t = Tensor.from(weird() as never, { shape: shape(), dtype: pick(dts) as never, device: pick(devs) as never });
          else if (r < 0.9) binding.runOp(pick(['add', 'fill', 'matmul', 'nope']), (pool.length ? [pick(pool).handle] : []) as never, weird() as never, weird() as never);
          else t = ops.fill([Math.floor(rnd() * 50)], 1, { device: pick(['cpu', 'cuda-emu']) as never });
          if (t) { pool.push(t); ok++; if (pool.length > 40) pool.shift()!.dispose(); }
        } catch (e) {
          errs++;
          if (e instanceof KernelError || e instanceof TypeError || e instanceof RangeError || (e as Error).name === 'DisposedError') typed++;
          else untyped.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      }

      for (const t of pool) t.dispose();
      await synchronize('cpu');
      expect(untyped).toEqual([]);
      expect(typed).toBe(errs);
      expect(ok).toBeGreaterThan(100);
      // everything still works afterwards
      const x = ops.add(Tensor.from([1, 2]), 1);
      expect(Array.from((await x.toArray()) as Float32Array)).toEqual([2, 3]);
      x.dispose();
      await synchronize('cpu');
      expect(guardViolations()).toEqual([]);
    });
  }
});
