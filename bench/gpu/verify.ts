// The GPU verification kit: `npm run gpu:verify` on a machine with Node, or `./run.sh` from the
// packaged kit (scripts/gpu-kit.mjs) on a GPU machine without it. Runs every op's parity cases
// on the GPU against the CPU backend, the kernel benchmarks, PyTorch peers when python3 + torch
// are there, and writes one markdown report with every number.
//   --device cuda|cuda-emu   what to verify (default: cuda when present, else a dry run)
//   --out DIR                where report.md and report.json go (default bench/results)
//   --quick                  shorter benchmarks
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binding } from '../../src/binding.js';
import { cudaStatus, devices, hasCuda, type DeviceId } from '../../src/index.js';
import { gitCommit, makeHeader, resultsTable, runCases, type BenchCase } from '../harness.js';
import * as arange from '../ops/arange.bench.js';
import * as binary from '../ops/binary.bench.js';
import * as cast from '../ops/cast.bench.js';
import * as copy from '../ops/copy.bench.js';
import * as fill from '../ops/fill.bench.js';
import * as matmul from '../ops/matmul.bench.js';
import * as random from '../ops/random.bench.js';
import { parity } from './parity.js';
import { uploadSection } from './upload.js';
import { gemmSection } from './gemm.js';
import { attentionSection } from './attention.js';
import { torchPeers } from './peers.js';

const BENCH_FILES: Record<string, { cases: BenchCase[] }> = { arange, binary, cast, copy, fill, matmul, random };

const { values } = parseArgs({
  options: { device: { type: 'string' }, out: { type: 'string', default: 'bench/results' }, quick: { type: 'boolean', default: false } },
});
const log = (s: string) => console.error(s);
const hasEmu = devices().some((d) => d.id === 'cuda-emu');
// without a GPU the kit still runs end to end: parity on the emulator, benchmarks on the CPU
const device = (values.device ?? (hasCuda() ? 'cuda' : hasEmu ? 'cuda-emu' : 'cpu')) as DeviceId;
const dryRun = device !== 'cuda';
const started = new Date();
const lines: string[] = [];
const json: Record<string, unknown> = { started: started.toISOString(), device, dryRun };

const cuda = cudaStatus();
const gpu = devices().find((d) => d.id === (device === 'cuda' ? 'cuda:0' : device));
lines.push(`# GPU verification ${dryRun ? `(dry run: no GPU here${device === 'cuda-emu' ? '; parity on cuda-emu' : ''})` : `on ${gpu?.name ?? device}`}`, '');
lines.push(`- date: ${started.toISOString()}, commit ${gitCommit()}`);
lines.push(`- node ${process.version}, CUDA runtime ${cuda.runtimeVersion || 'n/a'} (static), driver ${cuda.driverVersion || 'not found'}`);
lines.push(`- devices: ${devices().map((d) => `${d.id} (${d.name}${d.computeCapability ? `, sm_${d.computeCapability.replace('.', '')}, ${d.smCount} SMs, ${((d.totalMemory ?? 0) / 2 ** 30).toFixed(0)} GiB` : ''})`).join('; ')}`);
if (!cuda.available) lines.push(`- CUDA unavailable: ${cuda.reason}`);
try {
  lines.push(`- nvidia-smi: ${execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem', '--format=csv,noheader'], { encoding: 'utf8' }).trim()}`);
} catch {
  lines.push('- nvidia-smi: not available');
}
lines.push('');

// 1. parity
let failed = 0;
if (device === 'cpu') {
  lines.push('## Parity', '', `skipped: no CUDA device (${cuda.reason}) and no cuda-emu (set XEMB_ENABLE_CUDA_EMU=1)`, '');
} else {
  log(`parity on ${device}`);
  const res = await parity(device, log);
  json.parity = res;
  lines.push(`## Parity of ${device} against the CPU backend`, '', '| op | cases | passed | first failures |', '|---|--:|--:|---|');
  for (const r of res) {
    failed += r.failures.length;
    lines.push(`| ${r.op} | ${r.cases} | ${r.cases - r.failures.length} | ${r.failures.slice(0, 3).join('<br>') || ''} |`);
  }
  lines.push('');
}

// 2. the emulator against the hardware: every primitive probe, same input, identical bytes
if (!dryRun && device === 'cuda') {
  const emu = devices().some((d) => d.id === 'cuda-emu');
  lines.push('## Primitive agreement: cuda-emu vs the GPU', '');
  if (!emu) {
    lines.push('skipped: the cuda-emu device is not registered (set XEMB_ENABLE_CUDA_EMU=1; run.sh and npm run gpu:verify do)', '');
  } else {
    lines.push('| probe | seeds | identical | first difference |', '|---|--:|--:|---|');
    const probes: Record<string, unknown> = {};
    for (let w = 0; w < binding.primProbeNames.length; w++) {
      let same = 0;
      let first = '';
      const seeds = [1, 2, 3];
      for (const seed of seeds) {
        try {
          const [hw, em] = await Promise.all([binding.primProbe('cuda', w, seed), binding.primProbe('cuda-emu', w, seed)]);
          const a = new Uint32Array(hw);
          const b = new Uint32Array(em);
          const i = a.findIndex((x, k) => x !== b[k]);
          if (i < 0) same++;
          else if (!first) first = `seed ${seed}, word ${i}: gpu ${a[i]!.toString(16)}, emu ${b[i]!.toString(16)}`;
        } catch (e) {
          if (!first) first = (e as Error).message;
        }
      }
      if (same !== seeds.length) failed++;
      probes[binding.primProbeNames[w]!] = { same, of: seeds.length, first };
      lines.push(`| ${binding.primProbeNames[w]} | ${seeds.length} | ${same} | ${first} |`);
    }
    json.probes = probes;
    lines.push('');
  }
}

// 3. benchmarks (device timing: CUDA events on the stream)
const benchDevice: DeviceId = dryRun ? 'cpu' : device;
let mmaPeakGflops: number | null = null;
let copyGBs: number | null = null;
{
  log(`benchmarks on ${benchDevice}`);
  const header = await makeHeader(benchDevice);
  if (!dryRun) mmaPeakGflops = header.peaks?.fmaGflops ?? null;
  if (!dryRun) copyGBs = header.peaks?.readGBs ?? null;
  const cases = Object.entries(BENCH_FILES).flatMap(([stem, m]) => m.cases.map((c) => ({ stem, c })));
  const results = await runCases(cases, header, values.quick || dryRun, log);
  json.bench = results;
  lines.push('## Kernel benchmarks', '', resultsTable(header, results), '');
}

// 4. PyTorch on the same machine, same shapes
let peerRows: unknown;
if (!dryRun && device === 'cuda') {
  log('pytorch peers');
  const peers = torchPeers();
  peerRows = peers.rows;
  json.peers = peers;
  lines.push('## PyTorch on the same GPU (same run)', '', peers.markdown, '');
}

// 5. GEMM: own tensor-core kernel vs cuBLASLt vs torch, and their parity (skipped without a GPU)
{
  const g = await gemmSection(device, values.quick ?? false, mmaPeakGflops, peerRows, log);
  json.gemm = g.data;
  failed += g.failures;
  lines.push(g.markdown);
}

// 5b. attention: prefill TFLOP/s next to SDPA, decode bandwidth (skipped without a GPU)
{
  const a = await attentionSection(device, values.quick ?? false, mmaPeakGflops, copyGBs, peerRows, log);
  json.attention = a.data;
  lines.push(a.markdown);
}

// 6. safetensors: staged upload speed against a plain pinned host-to-device copy (issue 4)
{
  const u = await uploadSection(device, values.quick ?? false, log);
  json.upload = u.data;
  lines.push(u.markdown);
}

lines.push(`Parity failures: ${failed}.`);
const report = lines.join('\n') + '\n';
mkdirSync(values.out!, { recursive: true });
const stamp = started.toISOString().slice(0, 10);
const name = `${stamp}-gpu-verify-${dryRun ? 'dry-run' : (gpu?.name ?? device).replace(/[^A-Za-z0-9]+/g, '-')}`;
writeFileSync(join(values.out!, `${name}.md`), report);
writeFileSync(join(values.out!, `${name}.json`), JSON.stringify(json, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
console.log(report);
log(`wrote ${join(values.out!, name)}.{md,json}`);
process.exitCode = failed ? 1 : 0;
