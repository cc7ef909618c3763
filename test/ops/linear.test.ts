// linear: x [..., K] · wᵀ [N, K] + bias. The grid crosses every block boundary of the CPU kernels
// (GEMV up to M = 8; GEMM mr 32/12/6/4, nr 32/16/8, kc 1024 (AMX, k steps of 32) / 512 (bf16
// pairs) / 256 (f32), mc 256/264/144/96/64), has M, N, K of 0 and 1, odd sizes, leading dims,
// non-contiguous x and weight views at offsets; every x/w/bias dtype pair. f32 outputs within
// nmse 1e-10 of fp64; f16/bf16 outputs no more than 2x the error of a naive same-precision
// implementation. Also: per-ISA agreement (child processes with XEMB_CPU_ISA, and without AMX),
// the packed-weight cache never serving stale panels, and the errors.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, devices, ops, synchronize, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, nmse, toNumbers } from '../harness/compare.js';
import { withScope, type Scope } from '../harness/guard.js';
import { Rng, makeInput, type Input } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { linearNaive, linearRef } from '../reference/linear.js';
import { expectKernelError } from '../harness/errors.js';

const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
const EPS = 1e-10;
// CUDA and the emulator sum in another order (and round through tensor cores): agreement with CPU
const CROSS_NMSE: Record<FloatDType, number> = { f32: 1e-10, f16: 1e-5, bf16: 1e-4 };
// cases bigger than this run on the CPU only (the emulator runs ~1e6-1e7 thread-steps/s)
const EMU_MAX = 64 * 96 * 80;

interface Case {
  name: string;
  x: number[]; // base shape of x ([..., K])
  xSteps?: ViewStep[];
  n: number;
  bias?: boolean;
  wRows?: [number, number]; // w is rows [a, a + n) of a [b, K] weight (a view at an offset)
}

const GRID: Case[] = [
  { name: '1x1x1', x: [1, 1], n: 1, bias: true },
  { name: 'M=1 GEMV 1x7x5', x: [1, 5], n: 7 },
  { name: 'M=1 GEMV K=67 (vector tail) + bias', x: [1, 67], n: 19, bias: true },
  { name: 'M=3 GEMV 3x33x40', x: [3, 40], n: 33 },
  { name: 'M=8 (largest GEMV) 8x17x33 + bias', x: [8, 33], n: 17, bias: true },
  { name: 'M=9 (smallest GEMM) 9x17x33', x: [9, 33], n: 17 },
  { name: 'GEMM 13x33x5 (mr, nr edges)', x: [13, 5], n: 33, bias: true },
  { name: 'GEMM K=1 25x9x1', x: [25, 1], n: 9 },
  { name: 'GEMM 37x65x80 + bias', x: [37, 80], n: 65, bias: true },
  { name: 'K=0: [3,0] -> [3,4] (bias only)', x: [3, 0], n: 4, bias: true },
  { name: 'K=0 without bias: zeros', x: [12, 0], n: 5 },
  { name: 'M=0: [0,5] -> [0,3]', x: [0, 5], n: 3, bias: true },
  { name: 'N=0: [4,5] -> [4,0]', x: [4, 5], n: 0 },
  { name: 'leading dims [2,3,7,11] -> [2,3,7,6]', x: [2, 3, 7, 11], n: 6, bias: true },
  { name: 'leading dims, 2 rows: [2,1,9] (GEMV)', x: [2, 1, 9], n: 10 },
  { name: 'non-contiguous x: transpose of [21,14]', x: [21, 14], xSteps: [['transpose', 0, 1]], n: 9, bias: true },
  { name: 'non-contiguous x: every 2nd row of [30,17]', x: [30, 17], xSteps: [['slice', 0, 0, 30, 2]], n: 12 },
  { name: 'non-contiguous x: every 2nd column (GEMV)', x: [2, 26], xSteps: [['slice', 1, 1, 26, 2]], n: 7 },
  { name: 'w rows [5, 5+18) of [30, 21] (view at an offset)', x: [14, 21], n: 18, wRows: [5, 30], bias: true },
  { name: 'w rows [3, 3+11) of [20, 21], GEMV', x: [2, 21], n: 11, wRows: [3, 20] },
  // block boundaries of the CPU GEMM (CPU only: large)
  { name: 'kc crossing 24x40x257 (f32 kc 256)', x: [24, 257], n: 40 },
  { name: 'kc crossing 13x33x513 (bf16 kc 512), odd K', x: [13, 513], n: 33, bias: true },
  { name: 'mc crossing 145x65x31 (mc 144 bf16 pairs, K < 32)', x: [145, 31], n: 65, bias: true },
  { name: 'mc crossing 97x17x40 (mc 96 avx2) and 65 (64 generic)', x: [97, 40], n: 17 },
  { name: 'many n tiles 20x1100x24', x: [20, 24], n: 1100, bias: true },
  { name: 'kc and mc crossing 270x20x1030 (AMX kc 256, mc 256; f32 kc 256, mc 264)', x: [270, 1030], n: 20, bias: true },
];

function expectedOut(x: Input, w: Input, b: Input | undefined, dtype: FloatDType, label: string) {
  const xv = x.values as number[];
  const wv = w.values as number[];
  const bv = b?.values as number[] | undefined;
  const ref = linearRef(xv, x.shape, wv, w.shape, bv);
  const naive = linearNaive(xv, x.shape, wv, w.shape, bv, dtype);
  const k = x.shape[x.shape.length - 1]!;
  return {
    ref,
    check(got: Float64Array) {
      if (k === 0 && !b) {
        expectExact(got, new Float64Array(got.length), { label: `${label} (empty sum is +0)` });
      } else if (dtype === 'f32') {
        expectClose(got, ref.out, { nmse: 1e-10, label });
      } else {
        const budget = 2 * nmse(naive.out, ref.out) + EPS;
        expectClose(got, ref.out, { nmse: budget, label: `${label} (naive ${dtype} nmse ${nmse(naive.out, ref.out).toExponential(2)})` });
      }
    },
  };
}

function makeOperands(s: Scope, c: Case, xd: FloatDType, wd: FloatDType, bd: FloatDType, seed: number, dev: DeviceId) {
  const x = makeInput(s, new Rng(seed), xd, c.x, c.xSteps ?? [], dev);
  const k = x.shape[x.shape.length - 1]!; // after the view steps
  const w = c.wRows
    ? makeInput(s, new Rng(seed + 1), wd, [c.wRows[1], k], [['slice', 0, c.wRows[0], c.wRows[0] + c.n, 1]], dev)
    : makeInput(s, new Rng(seed + 1), wd, [c.n, k], [], dev);
  const b = c.bias ? makeInput(s, new Rng(seed + 2), bd, [c.n], [], dev) : undefined;
  return { x, w, b };
}

async function runCase(c: Case, xd: FloatDType, wd: FloatDType, bd: FloatDType, seed: number, crossDtype: FloatDType) {
  await withScope(async (s) => {
    const results = new Map<DeviceId, Storage>();
    const m = c.x.slice(0, -1).reduce((a, b) => a * b, 1);
    const big = m * c.n * c.x[c.x.length - 1]! > EMU_MAX;
    for (const dev of backends()) {
      if (big && dev === 'cuda-emu') continue;
      const label = `linear x ${xd} w ${wd}${c.bias ? ` bias ${bd}` : ''} ${c.name} on ${dev}`;
      const { x, w, b } = makeOperands(s, c, xd, wd, bd, seed, dev);
      const exp = expectedOut(x, w, b, xd, label);
      const out = s.keep(b ? ops.linear(x.t, w.t, b.t) : ops.linear(x.t, w.t));
      expect(out.shape, label).toEqual(exp.ref.shape);
      expect(out.dtype, label).toBe(xd);
      expect(out.isContiguous, label).toBe(true);
      const raw = (await out.data()) as Storage;
      exp.check(toNumbers(raw, xd));
      results.set(dev, raw);
    }
    expectBackendsAgree(results, { dtype: xd, nmse: CROSS_NMSE[crossDtype], label: c.name });
  });
}

describe('linear', () => {
  cudaNotice();

  describe.each(DTYPES)('%s (x, w and bias of one dtype)', (dtype) => {
    it.each(GRID.map((c) => [c.name, c] as const))('%s', async (name, c) => {
      const seed = 9000 + DTYPES.indexOf(dtype) * 100 + GRID.indexOf(c);
      await runCase(c, dtype, dtype, dtype, seed, dtype);
    });
  });

  describe('mixed dtypes (f32 accumulation, result in x dtype)', () => {
    const pairs = DTYPES.flatMap((xd) => DTYPES.filter((wd) => wd !== xd).map((wd) => [xd, wd] as const));
    const shapes: Case[] = [
      { name: 'GEMV 5x19x37 + bias', x: [5, 37], n: 19, bias: true },
      { name: 'GEMM 29x40x45 + bias', x: [29, 45], n: 40, bias: true },
      { name: 'GEMM 30x20x270 (kc crossing)', x: [30, 270], n: 20 },
    ];
    for (const [xd, wd] of pairs) {
      it.each(shapes.map((c) => [c.name, c] as const))(`x ${xd}, w ${wd}, bias ${wd}: %s`, async (name, c) => {
        const seed = 9500 + pairs.findIndex((p) => p[0] === xd && p[1] === wd) * 10 + shapes.indexOf(c);
        const worst: FloatDType = xd === 'bf16' || wd === 'bf16' ? 'bf16' : xd === 'f16' || wd === 'f16' ? 'f16' : 'f32';
        await runCase(c, xd, wd, wd, seed, worst);
      });
    }
    it('bf16 x with an f32 bias and f16 weights', async () => {
      await runCase({ name: 'GEMM 17x23x31', x: [17, 31], n: 23, bias: true }, 'bf16', 'f16', 'f32', 9900, 'bf16');
    });
  });

  it('the f32 budget is tight enough to catch bf16-rounded operands', () => {
    // a kernel that rounded f32 activations to bf16 (to use vdpbf16ps) would miss the f32 bound
    const r = new Rng(5);
    const k = 300;
    const xv = Array.from({ length: 4 * k }, () => Math.fround(r.uniform(-4, 4)));
    const wv = Array.from({ length: 3 * k }, () => Math.fround(r.uniform(-4, 4)));
    const ref = linearRef(xv, [4, k], wv, [3, k]).out;
    const xb = linearNaive(xv.map((v) => Number(new Float32Array([v])[0]!.toPrecision(3))), [4, k], wv, [3, k], undefined, 'f32').out;
    expect(nmse(xb, ref)).toBeGreaterThan(1e-10);
    expect(nmse(linearNaive(xv, [4, k], wv, [3, k], undefined, 'f32').out, ref)).toBeLessThan(1e-10);
  });

  it('known values: [[1,2],[3,4]] · [[5,6],[7,8]]ᵀ + [1,-1] = [[18,22],[40,52]]', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const dtype of DTYPES) {
          const x = s.keep(Tensor.from([1, 2, 3, 4], { shape: [2, 2], dtype, device: dev }));
          const w = s.keep(Tensor.from([5, 6, 7, 8], { shape: [2, 2], dtype, device: dev }));
          const b = s.keep(Tensor.from([1, -1], { shape: [2], dtype, device: dev }));
          expect(Array.from((await s.keep(ops.linear(x, w, b)).toArray()) as Float32Array), `${dtype} on ${dev}`).toEqual([18, 22, 40, 52]);
        }
      }
    });
  });

  describe('packed-weight cache (CPU)', () => {
    // 512 x 512 f32 = 1 MiB: the CPU allocator caches blocks of this size, so a weight made right
    // after one was freed gets the same address; a cache keyed on the address would serve stale panels.
    const K = 512;
    const N = 512;
    const M = 16; // GEMM path (packed, cached)

    async function checkLinear(s: Scope, x: Input, w: Input, label: string) {
      const out = s.keep(ops.linear(x.t, w.t));
      const got = toNumbers((await out.data()) as Storage, x.dtype);
      const ref = linearRef(x.values as number[], x.shape, w.values as number[], w.shape);
      if (x.dtype === 'f32') expectClose(got, ref.out, { nmse: 1e-10, label });
      else {
        const naive = linearNaive(x.values as number[], x.shape, w.values as number[], w.shape, undefined, x.dtype as FloatDType);
        expectClose(got, ref.out, { nmse: 2 * nmse(naive.out, ref.out) + EPS, label });
      }
    }

    for (const dtype of ['f32', 'bf16'] as const) {
      it(`${dtype}: a weight freed and a new one allocated in its place gives the new weight's result`, async () => {
        await withScope(async (s) => {
          const rows = dtype === 'f32' ? N : 2 * N; // 1 MiB either way
          const x = makeInput(s, new Rng(1), dtype, [M, K], [], 'cpu');
          for (let round = 0; round < 3; round++) {
            await withScope(async (inner) => {
              const w = makeInput(inner, new Rng(100 + round), dtype, [rows, K], [], 'cpu');
              await checkLinear(inner, x, w, `round ${round}`);
              await checkLinear(inner, x, w, `round ${round}, again (cached)`);
            });
            await synchronize('cpu'); // the weight's storage is released here
          }
        });
      });
    }

    it('two weights of the same shape used alternately', async () => {
      await withScope(async (s) => {
        const x = makeInput(s, new Rng(2), 'f32', [M, 64], [], 'cpu');
        const a = makeInput(s, new Rng(3), 'f32', [40, 64], [], 'cpu');
        const b = makeInput(s, new Rng(4), 'f32', [40, 64], [], 'cpu');
        for (const w of [a, b, a, b, a]) await checkLinear(s, x, w, 'alternating');
      });
    });

    for (const dtype of ['f32', 'bf16'] as const) {
      it(`${dtype}: views of one weight at different offsets are packed separately`, async () => {
        await withScope(async (s) => {
          const x = makeInput(s, new Rng(5), dtype, [M, 48], [], 'cpu');
          const base = makeInput(s, new Rng(6), dtype, [90, 48], [], 'cpu');
          for (const [lo, hi] of [[0, 30], [30, 60], [60, 90], [0, 30], [15, 45], [30, 60]] as const) {
            const view = s.keep(base.t.slice(0, lo, hi));
            const w: Input = { t: view, shape: [hi - lo, 48], dtype, values: base.values.slice(lo * 48, hi * 48), storage: base.storage.slice(lo * 48, hi * 48) };
            await checkLinear(s, x, w, `rows [${lo}, ${hi})`);
          }
        });
      });
    }
  });

  describe('bad input', () => {
    const expectOpError = (f: () => unknown, pats: RegExp[]) => expectKernelError(f, 'linear', pats);
    const T = (shape: number[], dtype: 'f32' | 'f16' | 'bf16' | 'i32' | 'bool' = 'f32', device: DeviceId = 'cpu') =>
      Tensor.from(new Array(shape.reduce((x, y) => x * y, 1)).fill(1), { shape, dtype, device });

    it('a K mismatch is rejected, naming w and both shapes', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 5], 'f32', dev))), [/w of shape \[N, 3\]/, /\[2, 3\]/, /received \[4, 5\]/]);
        }
      });
    });

    it('w of rank other than 2 is rejected', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([3], 'f32', dev))), [/w of shape \[N, K\]/, /received \[3\]/]);
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([1, 4, 3], 'f32', dev))), [/w of shape \[N, K\]/, /received \[1, 4, 3\]/]);
        }
      });
    });

    it('a scalar x is rejected', async () => {
      await withScope(async (s) => {
        await expectOpError(() => ops.linear(s.keep(T([])), s.keep(T([2, 1]))), [/x of rank >= 1/]);
      });
    });

    it('a bias of the wrong shape is rejected, naming bias', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 3], 'f32', dev)), s.keep(T([3], 'f32', dev))), [/bias of shape \[4\]/, /received \[3\]/]);
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 3], 'f32', dev)), s.keep(T([1, 4], 'f32', dev))), [/bias of shape \[4\]/, /received \[1, 4\]/]);
        }
      });
    });

    it('non-float dtypes are rejected, naming the argument and the dtype', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'i32', dev)), s.keep(T([4, 3], 'f32', dev))), [/x with dtype one of f32, f16, bf16/, /received i32/]);
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 3], 'bool', dev))), [/w with dtype/, /received bool/]);
          await expectOpError(() => ops.linear(s.keep(T([2, 3], 'f32', dev)), s.keep(T([4, 3], 'f32', dev)), s.keep(T([4], 'i32', dev))), [/bias with dtype/, /received i32/]);
        }
      });
    });

    it('a non-contiguous weight is rejected, naming w', async () => {
      await withScope(async (s) => {
        const w = s.keep(T([3, 4]));
        const wt = s.keep(w.transpose(0, 1));
        await expectOpError(() => ops.linear(s.keep(T([2, 3])), wt), [/w contiguous/, /strides/]);
      });
    });

    it('JS-type mistakes are TypeErrors naming the argument', async () => {
      await withScope((s) => {
        const t = s.keep(T([2, 2]));
        expect(() => ops.linear(t, 3 as unknown as Tensor)).toThrowError(/for w but received number 3/);
        expect(() => ops.linear([[1]] as unknown as Tensor, t)).toThrowError(/for x but received an array/);
        expect(() => ops.linear(t, t, 'b' as unknown as Tensor)).toThrowError(/for bias but received/);
      });
    });

    it('use after dispose throws DisposedError', async () => {
      await withScope((s) => {
        const t = s.keep(T([2, 2]));
        const d = T([2, 2]);
        d.dispose();
        expect(() => ops.linear(t, d)).toThrowError(DisposedError);
        expect(() => ops.linear(t, t, d)).toThrowError(DisposedError);
      });
    });

    const other = backends().find((d) => d !== 'cpu');
    it.runIf(other)(`inputs on different devices are rejected (cpu and ${other})`, async () => {
      await withScope(async (s) => {
        await expectOpError(() => ops.linear(s.keep(T([2, 2], 'f32', 'cpu')), s.keep(T([2, 2], 'f32', other!))), [/device/]);
      });
    });
  });
});

// ---- per-ISA agreement: child processes force each instruction-set level ----

const root = join(import.meta.dirname, '..', '..');
const isaScript = `
import { ops, devices, Tensor } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
const cases = JSON.parse(process.env.XEMB_LINEAR_CASES);
const out = { isa: devices()[0].isa, results: [] };
for (const c of cases) {
  const x = ops.randomUniform([c.m, c.k], { seed: c.seed, low: -2, high: 2, dtype: c.xd });
  const w = ops.randomUniform([c.n, c.k], { seed: c.seed + 1, low: -2, high: 2, dtype: c.wd });
  const b = ops.randomUniform([c.n], { seed: c.seed + 2, low: -2, high: 2, dtype: c.wd });
  const y = ops.linear(x, w, b);
  const f = (t) => ops.cast(t, 'f32').toArray().then((a) => Array.from(a));
  out.results.push({ x: await f(x), w: await f(w), b: await f(b), y: await f(y) });
}
process.stdout.write(JSON.stringify(out));
`;

interface IsaCase {
  m: number;
  n: number;
  k: number;
  xd: FloatDType;
  wd: FloatDType;
  seed: number;
}

const ISA_CASES: IsaCase[] = [
  { m: 1, n: 37, k: 300, xd: 'bf16', wd: 'bf16', seed: 11 }, // GEMV
  { m: 6, n: 70, k: 129, xd: 'f32', wd: 'f16', seed: 21 }, // GEMV, f16 weights (F16C)
  { m: 50, n: 70, k: 530, xd: 'bf16', wd: 'bf16', seed: 31 }, // vdpbf16ps GEMM vs f32 FMA
  { m: 150, n: 40, k: 260, xd: 'f32', wd: 'f32', seed: 41 }, // every f32 microkernel, mc/kc edges
  { m: 33, n: 35, k: 100, xd: 'f16', wd: 'bf16', seed: 51 },
  { m: 270, n: 33, k: 1060, xd: 'bf16', wd: 'bf16', seed: 61 }, // AMX kc/mc edges
];

function runIsa(isa: string, amx = true) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', isaScript], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, XEMB_CPU_ISA: isa, XEMB_CPU_AMX: amx ? '1' : '0', XEMB_LINEAR_CASES: JSON.stringify(ISA_CASES) },
    maxBuffer: 256 * 2 ** 20,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { isa: string; results: { x: number[]; w: number[]; b: number[]; y: number[] }[] };
}

describe('linear on every CPU instruction-set level', () => {
  const best = devices()[0]!.bestIsa!;
  const levels = ['generic', 'avx2', 'avx512', 'avx512bf16'];
  const usable = levels.slice(0, levels.indexOf(best) + 1);

  // at the avx512bf16 level bf16 x bf16 GEMMs use AMX tiles where present: also run without them
  const variants = [...usable.map((isa) => ({ isa, amx: true, label: isa })), ...(best === 'avx512bf16' ? [{ isa: best, amx: false, label: `${best} without AMX` }] : [])];

  it(`runs ${variants.map((v) => v.label).join(', ')}: each within its budget of fp64, and all agree`, () => {
    const runs = variants.map((v) => runIsa(v.isa, v.amx));
    runs.forEach((r, i) => expect(r.isa).toBe(variants[i]!.isa));
    ISA_CASES.forEach((c, ci) => {
      const { x, w, b } = runs[0]!.results[ci]!;
      const ref = linearRef(x, [c.m, c.k], w, [c.n, c.k], b).out;
      const naive = linearNaive(x, [c.m, c.k], w, [c.n, c.k], b, c.xd).out;
      const budget = c.xd === 'f32' ? 1e-10 : 2 * nmse(naive, ref) + EPS;
      for (const [i, r] of runs.entries()) {
        const res = r.results[ci]!;
        expect(res.x, 'inputs are the same on every ISA').toEqual(x);
        expectClose(res.y, ref, { nmse: budget, label: `${variants[i]!.label} ${c.m}x${c.n}x${c.k} x ${c.xd} w ${c.wd}` });
        expectClose(res.y, runs[0]!.results[ci]!.y, { nmse: CROSS_NMSE[c.xd], label: `${variants[i]!.label} vs generic` });
      }
    });
  }, 120_000);
});

backendSummary();
