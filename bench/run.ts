// npm run bench -- <stem|op|all> [...] [--device cpu|cuda] [--quick] [--peers] [--json out.json]
// --peers: bench files with a custom part also run their external peers (e.g. PyTorch CPU).
// A name is a bench file stem (bench/ops/ or bench/io/<stem>.bench.ts), a registry op (runs that op's cases
// from its stem's file), or `all`.
import { readdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkDevice } from '../src/device.js';
import { cudaStatus, hasCuda, type DeviceId } from '../src/index.js';
import { OP_NAMES } from '../src/ops/index.js';
import { makeHeader, resultsTable, runCases, type BenchCase, type CaseResult, type CustomBench } from './harness.js';

interface BenchModule {
  cases?: BenchCase[];
  custom?: CustomBench;
}

const usage = 'usage: npm run bench -- <stem|op|all> [...] [--device cpu|cuda] [--quick] [--peers] [--json out.json]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    device: { type: 'string', default: 'cpu' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    peers: { type: 'boolean', default: false },
  },
});

// op benches in ops/, everything else (safetensors loading, ...) in io/
const dirOf = new Map<string, URL>();
for (const sub of ['./ops/', './io/']) {
  const dir = new URL(sub, import.meta.url);
  for (const f of readdirSync(dir)) if (f.endsWith('.bench.ts')) dirOf.set(f.slice(0, -'.bench.ts'.length), dir);
}
const stems = [...dirOf.keys()].sort();
const opNames = Object.keys(OP_NAMES) as (keyof typeof OP_NAMES)[];

// what to run: stem -> op filter (null: the whole file)
const selected = new Map<string, Set<string> | null>();
for (const name of positionals.length ? positionals : ['all']) {
  if (name === 'all') stems.forEach((s) => selected.set(s, null));
  else if (stems.includes(name)) selected.set(name, null);
  else if (name in OP_NAMES && stems.includes(OP_NAMES[name as keyof typeof OP_NAMES][1])) {
    const stem = OP_NAMES[name as keyof typeof OP_NAMES][1];
    const prev = selected.get(stem);
    if (prev !== null) selected.set(stem, new Set([...(prev ?? []), name]));
  } else {
    console.error(`Unknown benchmark "${name}".\n${usage}\n  stems: ${stems.join(', ')}\n  ops:   ${opNames.join(', ')}\n  or: all`);
    process.exit(2);
  }
}

let device: DeviceId;
try {
  device = checkDevice(values.device);
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
if (device !== 'cpu' && !hasCuda()) {
  console.error(`--device ${device}: CUDA is unavailable here (${cudaStatus().reason || 'not compiled in'})`);
  process.exit(1);
}

const log = (line: string) => console.error(line); // progress on stderr keeps stdout a clean report
const header = await makeHeader(device);
const cases: { stem: string; c: BenchCase }[] = [];
const customs: { stem: string; bench: CustomBench }[] = [];
for (const [stem, filter] of selected) {
  const mod = (await import(new URL(`${stem}.bench.ts`, dirOf.get(stem)).href)) as BenchModule;
  for (const c of mod.cases ?? []) if (!filter || filter.has(c.op)) cases.push({ stem, c });
  if (mod.custom && !filter) customs.push({ stem, bench: mod.custom });
}

const report: { header: typeof header; quick: boolean; cases: CaseResult[]; custom: Record<string, unknown> } = {
  header,
  quick: values.quick,
  cases: [],
  custom: {},
};
if (cases.length) {
  report.cases = await runCases(cases, header, values.quick, log);
  console.log(resultsTable(header, report.cases) + '\n');
}
for (const { stem, bench } of customs) {
  log(`running ${stem}`);
  const out = await bench.run({ device, quick: values.quick, header, peers: values.peers });
  report.custom[stem] = out.data;
  console.log(`### ${stem}\n\n${out.markdown}\n`);
}
if (values.json) {
  writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${values.json}`);
}
if (report.cases.some((r) => r.error)) process.exitCode = 1;
