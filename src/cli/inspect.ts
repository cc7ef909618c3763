// `xembodied inspect <file|dir> [--json]`: what a checkpoint holds, from its headers only: the
// tensor table, a dtype histogram, total parameters and bytes, and metadata; across shards for a
// sharded directory. Names and metadata come from strangers, so the text output escapes control
// characters (no terminal escape sequences reach the screen).
import { basename, relative } from 'node:path';
import { openCheckpoint, type Checkpoint } from '../io/safetensors/checkpoint.js';
import { SafetensorsError } from '../io/safetensors/errors.js';
import { DTYPE_BITS, SAFETENSORS_DTYPES, type SafetensorsDType } from '../io/safetensors/format.js';
import { LOAD_DTYPES } from '../io/safetensors/reader.js';

const USAGE = 'usage: xembodied inspect <file.safetensors | checkpoint dir> [--json]\n';

export interface InspectReport {
  path: string;
  kind: 'file' | 'sharded';
  files: { path: string; tensors: number; bytes: number; metadata: Record<string, string> | null }[];
  tensors: { name: string; dtype: SafetensorsDType; shape: number[]; bytes: number; parameters: number; file: string; loadable: boolean }[];
  dtypes: Partial<Record<SafetensorsDType, { tensors: number; parameters: number; bytes: number }>>;
  totalParameters: number;
  totalBytes: number;
  /** The single file's metadata, or for a sharded checkpoint the index's "metadata" object. */
  metadata: Record<string, unknown> | null;
}

export function inspectReport(ckpt: Checkpoint): InspectReport {
  const tensors = ckpt.tensors.map((t) => ({
    name: t.name,
    dtype: t.info.dtype,
    shape: [...t.info.shape],
    bytes: t.info.byteSize,
    parameters: (t.info.byteSize * 8) / DTYPE_BITS[t.info.dtype],
    file: ckpt.kind === 'sharded' ? relative(ckpt.path, t.file.path) : t.file.path,
    loadable: LOAD_DTYPES[t.info.dtype] !== undefined,
  }));
  const dtypes: InspectReport['dtypes'] = {};
  for (const d of SAFETENSORS_DTYPES) {
    const of = tensors.filter((t) => t.dtype === d);
    if (of.length > 0) {
      dtypes[d] = { tensors: of.length, parameters: of.reduce((a, t) => a + t.parameters, 0), bytes: of.reduce((a, t) => a + t.bytes, 0) };
    }
  }
  const files = ckpt.files.map((f) => ({
    path: f.path,
    tensors: f.tensors.length,
    bytes: f.tensors.reduce((a, t) => a + t.byteSize, 0),
    metadata: f.metadata === null ? null : { ...f.metadata },
  }));
  return {
    path: ckpt.path,
    kind: ckpt.kind,
    files,
    tensors,
    dtypes,
    totalParameters: tensors.reduce((a, t) => a + t.parameters, 0),
    totalBytes: tensors.reduce((a, t) => a + t.bytes, 0),
    metadata: ckpt.kind === 'sharded' ? (ckpt.indexMetadata === null ? null : { ...ckpt.indexMetadata }) : files[0]!.metadata,
  };
}

/** Control characters (C0, DEL, C1) and bidi/zero-width marks shown as \u escapes: a name must not drive or disguise the terminal. */
function safe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} B` : `${v.toFixed(2)} ${units[u]}`;
}

function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

export function formatReport(r: InspectReport): string {
  const lines: string[] = [];
  const sharded = r.kind === 'sharded';
  lines.push(`${safe(r.path)}: ${sharded ? `sharded checkpoint, ${plural(r.files.length, 'shard')}` : 'safetensors file'}, ${plural(r.tensors.length, 'tensor')}`, '');
  const head = ['name', 'dtype', 'shape', 'bytes', ...(sharded ? ['file'] : [])];
  const rows = r.tensors.map((t) => [
    safe(t.name),
    t.loadable ? t.dtype : `${t.dtype} (not loadable)`,
    `[${t.shape.join(', ')}]`,
    count(t.bytes),
    ...(sharded ? [safe(basename(t.file))] : []),
  ]);
  lines.push(...table([head, ...rows], new Set([3])), '');
  lines.push('dtypes:');
  const hist = Object.entries(r.dtypes).map(([d, v]) => [`  ${d}`, plural(v.tensors, 'tensor'), plural(v.parameters, 'parameter'), plural(v.bytes, 'byte')]);
  lines.push(...table(hist.length > 0 ? hist : [['  (none)']], new Set([1, 2, 3])), '');
  lines.push(`total: ${plural(r.totalParameters, 'parameter')}, ${plural(r.totalBytes, 'byte')} (${human(r.totalBytes)})`);
  if (sharded) {
    lines.push('', 'shards:');
    lines.push(...table(r.files.map((f) => [`  ${safe(basename(f.path))}`, plural(f.tensors, 'tensor'), plural(f.bytes, 'byte')]), new Set([1, 2])));
  }
  const md = r.metadata;
  lines.push('', sharded ? 'index metadata:' : 'metadata:');
  if (md === null || Object.keys(md).length === 0) lines.push('  (none)');
  else for (const [k, v] of Object.entries(md)) lines.push(`  ${safe(k)} = ${safe(typeof v === 'string' ? v : JSON.stringify(v))}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the command; returns the exit code (0 ok, 1 invalid checkpoint, 2 usage). */
export async function inspect(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const paths = args.filter((a) => a !== '--json');
  if (paths.length !== 1 || paths[0]!.startsWith('-')) {
    process.stderr.write(USAGE);
    return 2;
  }
  let ckpt: Checkpoint;
  try {
    ckpt = await openCheckpoint(paths[0]!);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, file: e.file, tensor: e.tensor, reason: e.reason } }, null, 2)}\n`);
    process.stderr.write(`xembodied inspect: ${safe(e.message)}\n`);
    return 1;
  }
  try {
    const report = inspectReport(ckpt);
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } finally {
    await ckpt.close();
  }
}
