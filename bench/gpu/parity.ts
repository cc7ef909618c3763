// Parity of every registry op between the CPU backend and a CUDA device (real or cuda-emu):
// the same inputs, made on the CPU and copied over, must give bit-identical results for the
// exact ops, and matmul must agree within f32 accumulation-order error.
import { Tensor, ops, type DeviceId, type DType } from '../../src/index.js';
import { OP_NAMES, type OpName } from '../../src/ops/index.js';

export interface ParityResult {
  op: OpName;
  cases: number;
  failures: string[];
}

type Compare = { kind: 'exact' } | { kind: 'nmse'; max: number };

const FLOATS: DType[] = ['f32', 'f16', 'bf16'];
const INTS: DType[] = ['i32', 'i64', 'u8'];

function input(shape: number[], dtype: DType, seed: number, range = 100): Tensor {
  const u = ops.randomUniform(shape, { seed, low: dtype === 'u8' ? 0 : -range, high: dtype === 'u8' ? 255 : range });
  const t = dtype === 'f32' ? u : u.cast(dtype);
  if (t !== u) u.dispose();
  return t;
}

async function bytesOf(t: Tensor): Promise<Uint8Array> {
  const d = await t.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

async function compare(label: string, cpu: Tensor, dev: Tensor, how: Compare, failures: string[]) {
  if (cpu.shape.join() !== dev.shape.join() || cpu.dtype !== dev.dtype) {
    failures.push(`${label}: shape/dtype ${cpu.dtype}[${cpu.shape}] vs ${dev.dtype}[${dev.shape}]`);
    return;
  }
  if (how.kind === 'exact') {
    const [a, b] = [await bytesOf(cpu), await bytesOf(dev)];
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0) failures.push(`${label}: first differing byte ${i} (cpu ${a[i]}, device ${b[i]})`);
    return;
  }
  const [a, b] = [(await cpu.toArray()) as Float32Array, (await dev.toArray()) as Float32Array];
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) {
      if (Number.isFinite(a[i]!)) den += a[i]! ** 2;
      continue;
    }
    num += Number.isFinite(a[i]!) && Number.isFinite(b[i]!) ? (a[i]! - b[i]!) ** 2 : Infinity;
    den += a[i]! ** 2;
  }
  const nmse = den === 0 ? num : num / den;
  if (!(nmse <= how.max)) failures.push(`${label}: nmse ${nmse.toExponential(2)} > ${how.max}`);
}

/** One case: build inputs on the CPU, run `f` on both devices, compare. */
async function check(device: DeviceId, label: string, inputs: Tensor[], f: (xs: Tensor[], d: DeviceId) => Tensor, how: Compare, failures: string[]) {
  const moved = inputs.map((t) => t.to(device));
  let cpu: Tensor | undefined;
  let dev: Tensor | undefined;
  try {
    cpu = f(inputs, 'cpu');
    dev = f(moved, device);
    await compare(label, cpu, dev, how, failures);
  } catch (e) {
    failures.push(`${label}: ${(e as Error).message}`);
  } finally {
    for (const t of [...inputs, ...moved, cpu, dev]) t?.dispose();
  }
}

const SHAPES = [[1], [7], [257, 33], [3, 1, 65]];

export async function parity(device: DeviceId, log: (s: string) => void): Promise<ParityResult[]> {
  const results = new Map<OpName, ParityResult>();
  const res = (op: OpName) => results.get(op) ?? (results.set(op, { op, cases: 0, failures: [] }), results.get(op)!);
  const run = async (op: OpName, label: string, inputs: () => Tensor[], f: (xs: Tensor[], d: DeviceId) => Tensor, how: Compare = { kind: 'exact' }) => {
    const r = res(op);
    r.cases++;
    await check(device, `${op} ${label}`, inputs(), f, how, r.failures);
  };
  let seed = 1;
  for (const from of [...FLOATS, ...INTS]) {
    for (const to of [...FLOATS, ...INTS, 'bool' as DType]) {
      await run('cast', `${from}->${to}`, () => [input([257, 33], from, seed++)], ([x]) => ops.cast(x!.transpose(0, 1), to));
    }
  }
  for (const dt of [...FLOATS, ...INTS]) {
    for (const shape of SHAPES) await run('copy', `${dt} [${shape}] transposed`, () => [input(shape, dt, seed++)], ([x]) => ops.copy(x!.rank > 1 ? x!.transpose(0, -1) : x!));
    await run('fill', dt, () => [], (_, d) => ops.fill([33, 7], dt === 'u8' ? 200 : -3, { dtype: dt, device: d }));
    await run('arange', dt, () => [], (_, d) => ops.arange(dt === 'u8' ? 0 : -5, 90, { step: FLOATS.includes(dt) ? 0.37 : 3, dtype: dt, device: d }));
  }
  for (const dt of FLOATS) {
    for (const op of ['random_uniform', 'random_normal'] as const) {
      const fn = op === 'random_uniform' ? ops.randomUniform : ops.randomNormal;
      await run(op, `${dt} seed 2^60+3`, () => [], (_, d) => fn([1031, 17], { seed: 2n ** 60n + 3n, offset: 5, dtype: dt, device: d }));
    }
  }
  const pairs: [number[], number[]][] = [[[257, 33], [257, 33]], [[3, 1, 65], [4, 1]], [[7], []], [[1], [5, 1]]];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (const dt of op === 'div' ? FLOATS : [...FLOATS, ...INTS]) {
      for (const [sa, sb] of pairs) {
        await run(op, `${dt} [${sa}] x [${sb}]`, () => [input(sa, dt, seed++), input(sb, dt, seed++)], ([a, b]) => ops[op](a!, b!));
      }
    }
  }
  const mm: [number[], number[]][] = [[[17, 33], [33, 5]], [[2, 1, 64, 80], [3, 80, 48]], [[1, 128], [128, 257]]];
  for (const dt of FLOATS) {
    for (const [sa, sb] of mm) {
      const max = dt === 'f32' ? 1e-10 : dt === 'f16' ? 1e-6 : 1e-4;
      await run('matmul', `${dt} [${sa}] x [${sb}]`, () => [input(sa, dt, seed++, 1), input(sb, dt, seed++, 1)], ([a, b]) => ops.matmul(a!, b!), { kind: 'nmse', max });
    }
  }
  // linear: tensor-core GEMM (cuBLASLt on a GPU in auto mode), its K % 8 != 0 fallback, the GEMV
  const lin: [number[], number, boolean][] = [[[136, 72], 200, true], [[20, 45], 33, false], [[3, 264], 40, true]];
  for (const dt of FLOATS) {
    for (const [sx, n, bias] of lin) {
      const max = dt === 'f32' ? 1e-10 : dt === 'f16' ? 1e-6 : 1e-4;
      const k = sx[sx.length - 1]!;
      await run('linear', `${dt} [${sx}] x [${n}, ${k}]${bias ? ' + bias' : ''}`, () => [input(sx, dt, seed++, 1), input([n, k], dt, seed++, 1), ...(bias ? [input([n], dt, seed++, 1)] : [])],
        ([x, w, b]) => ops.linear(x!, w!, b), { kind: 'nmse', max });
    }
  }
  // nn ops: rounding-defined results (rope, the residual of add_rms_norm) bit-exact; the rest
  // within the cross-backend budgets of their op tests (f32 reductions / exp / erfc order)
  const near = (dt: DType) => ({ kind: 'nmse', max: dt === 'f32' ? 1e-10 : dt === 'f16' ? 1e-6 : 1e-4 }) as const;
  const pick = (r: { out: Tensor; residual: Tensor }, keep: 'out' | 'residual') => {
    r[keep === 'out' ? 'residual' : 'out'].dispose();
    return r[keep];
  };
  const cosOf = (t: { cos: Tensor; sin: Tensor }) => {
    t.sin.dispose();
    return t.cos;
  };
  for (const dt of FLOATS) {
    for (const [rows, d] of [[7, 1280], [3, 3584], [5, 33]] as const) {
      await run('rms_norm', `${dt} [${rows}, ${d}]`, () => [input([rows, d], dt, seed++, 4), input([d], dt, seed++, 2)], ([x, w]) => ops.rmsNorm(x!, w!, 1e-6), near(dt));
      await run('layer_norm', `${dt} [${rows}, ${d}] + bias`, () => [input([rows, d], dt, seed++, 4), input([d], dt, seed++, 2), input([d], dt, seed++, 2)],
        ([x, w, b]) => ops.layerNorm(x!, w!, b, 1e-5), near(dt));
      const addIn = () => [input([rows, d], dt, seed++, 4), input([rows, d], dt, seed++, 40), input([d], dt, seed++, 2)];
      await run('add_rms_norm', `${dt} [${rows}, ${d}] residual`, addIn, ([x, r, w]) => pick(ops.addRmsNorm(x!, r!, w!, 1e-5), 'residual'));
      await run('add_rms_norm', `${dt} [${rows}, ${d}] out`, addIn, ([x, r, w]) => pick(ops.addRmsNorm(x!, r!, w!, 1e-5), 'out'), near(dt));
      await run('softmax', `${dt} [${rows}, ${d}]`, () => [input([rows, d], dt, seed++, 8)], ([x]) => ops.softmax(x!), near(dt));
    }
    for (const tdt of dt === 'f32' ? (['f32'] as DType[]) : ([dt, 'f32'] as DType[])) {
      for (const [s, h, d] of [[33, 28, 128], [64, 16, 80]] as [number, number, number][]) {
        await run('rope', `${dt} tables ${tdt} [${s}, ${h}, ${d}]`, () => [input([s, h, d], dt, seed++, 4), input([s, d], tdt, seed++, 1), input([s, d], tdt, seed++, 1)],
          ([x, c, sn]) => ops.rope(x!, c!, sn!));
      }
    }
    await run('silu', `${dt} [257, 33]`, () => [input([257, 33], dt, seed++, 12)], ([x]) => ops.silu(x!), near(dt));
    await run('gelu', `${dt} [257, 33] erf`, () => [input([257, 33], dt, seed++, 12)], ([x]) => ops.gelu(x!), near(dt));
    await run('gelu', `${dt} [257, 33] tanh`, () => [input([257, 33], dt, seed++, 12)], ([x]) => ops.gelu(x!, 'tanh'), near(dt));
    await run('swiglu', `${dt} [65, 3456] gate, up`, () => [input([65, 3456], dt, seed++, 8), input([65, 3456], dt, seed++, 8)], ([g, u]) => ops.swiglu(g!, u!), near(dt));
    await run('swiglu', `${dt} [65, 2 x 1000] fused`, () => [input([65, 2000], dt, seed++, 8)], ([x]) => ops.swiglu(x!), near(dt));
  }
  const positions = (rows: number, n: number) => () => {
    const u = ops.randomUniform([rows, n], { seed: seed++, low: 0, high: 5000 });
    const p = ops.cast(u, 'i64');
    u.dispose();
    return [p];
  };
  await run('rope_cos_sin', 'M-RoPE [16,24,24] D 128', positions(3, 300), ([p]) => cosOf(ops.ropeCosSin(p!, { theta: 1e6, dim: 128, mropeSection: [16, 24, 24] })), { kind: 'nmse', max: 1e-13 });
  await run('vision_rope_cos_sin', 'D 80', positions(2, 300), ([p]) => cosOf(ops.visionRopeCosSin(p!, { theta: 1e4, dim: 80 })), { kind: 'nmse', max: 1e-13 });
  // attention (f16/bf16 on CUDA): dense GQA causal, varlen windows, softcap; KV cache paged decode
  for (const dt of ['f16', 'bf16'] as DType[]) {
    const max = dt === 'f16' ? 1e-5 : 1e-4;
    await run('attention', `${dt} [2, 77, 8, 128] GQA 4:1 causal`, () => [input([2, 77, 8, 128], dt, seed++, 1), input([2, 77, 2, 128], dt, seed++, 1), input([2, 77, 2, 128], dt, seed++, 1)],
      ([q, k, v]) => ops.attention(q!, k!, v!, { causal: true }), { kind: 'nmse', max });
    await run('attention', `${dt} varlen [3 x 64 + 17, 4, 80] window (32, 32)`, () => [input([209, 4, 80], dt, seed++, 1), input([209, 4, 80], dt, seed++, 1), input([209, 4, 80], dt, seed++, 1)],
      ([q, k, v]) => ops.attention(q!, k!, v!, { window: [32, 32], cuSeqlensQ: [0, 64, 128, 192, 209], cuSeqlensK: [0, 64, 128, 192, 209] }), { kind: 'nmse', max });
    await run('attention', `${dt} [1, 40, 2, 64] x [1, 90, 2, 64] softcap 10`, () => [input([1, 40, 2, 64], dt, seed++, 1), input([1, 90, 2, 64], dt, seed++, 1), input([1, 90, 2, 64], dt, seed++, 1)],
      ([q, k, v]) => ops.attention(q!, k!, v!, { softcap: 10 }), { kind: 'nmse', max });
    await run('attention_with_kv_cache', `${dt} decode paged P=16 GQA 8:1 D128, 3 splits`, () => [input([2, 1, 8, 128], dt, seed++, 1), input([8, 16, 1, 128], dt, seed++, 1), input([8, 16, 1, 128], dt, seed++, 1), input([2, 1, 1, 128], dt, seed++, 1)],
      ([q, kc, vc, kn]) => ops.attentionWithKvCache(q!, kc!, vc!, { cacheSeqlens: [40, 62], kNew: kn, vNew: kn, blockTable: [[5, 1, 7, 0], [2, 6, 3, 4]], causal: true, numSplits: 3 }), { kind: 'nmse', max });
  }
  // data movement and decoding: exact on every backend (copies, index arithmetic, and a sampler
  // built from exact operations so that both backends draw the same token)
  const ids = (n: number, size: number, s: number, dt: DType = 'i32') => {
    const a = Array.from({ length: n }, (_, i) => (i * 7919 + s * 104729) % size);
    return dt === 'i64' ? Tensor.from(BigInt64Array.from(a.map(BigInt)), { dtype: 'i64' }) : Tensor.from(Int32Array.from(a), { dtype: 'i32' });
  };
  for (const dt of FLOATS) {
    await run('embedding', `${dt} [1000, 96] table, 77 ids`, () => [ids(77, 1000, seed++), input([1000, 96], dt, seed++)], ([i, t]) => ops.embedding(i!, t!));
    await run('index_select', `${dt} [5, 300, 7] dim 1, 40 i64 ids`, () => [input([5, 300, 7], dt, seed++), ids(40, 300, seed++, 'i64')], ([x, i]) => ops.indexSelect(x!, 1, i!));
    await run('gather', `${dt} [50, 33] dim 0, index [20, 33]`, () => [input([50, 33], dt, seed++), ids(20 * 33, 50, seed++).reshape([20, 33])], ([x, i]) => ops.gather(x!, 0, i!));
    await run('scatter_rows', `${dt} [64, 40] <- 9 rows (one row named twice)`, () => [input([64, 40], dt, seed++), Tensor.from(Int32Array.from([3, 60, 17, 0, 63, 17, 8, 9, 41]), { dtype: 'i32' }), input([9, 40], dt, seed++)],
      ([x, i, src]) => ops.scatterRows(x!, i!, src!));
    await run('concat', `${dt} [7, 3], [7, 130], [7, 1] dim 1`, () => [input([7, 3], dt, seed++), input([7, 130], dt, seed++), input([7, 1], dt, seed++)], (xs) => ops.concat(xs, 1));
    await run('argmax', `${dt} [9, 5003]`, () => [input([9, 5003], dt, seed++)], ([x]) => ops.argmax(x!));
    await run('sample', `${dt} [4, 5003] T 0.8 top-k 50 top-p 0.9 min-p 0.02`, () => [input([4, 5003], dt, seed++, 6)],
      ([l]) => ops.sample(l!, { seed: 11, offset: 3, temperature: 0.8, topK: 50, topP: 0.9, minP: 0.02 }));
    await run('sample', `${dt} [4, 5003] plain softmax`, () => [input([4, 5003], dt, seed++, 6)], ([l]) => ops.sample(l!, { seed: 2n ** 40n + 1n }));
  }
  for (const op of Object.keys(OP_NAMES) as OpName[]) if (!results.has(op)) res(op).failures.push('no parity case');
  for (const r of results.values()) log(`parity ${r.op}: ${r.cases - r.failures.length}/${r.cases}`);
  return [...results.values()];
}
