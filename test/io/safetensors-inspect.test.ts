// `xembodied inspect`, run as a user runs it (a child process on the TypeScript sources).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFile, tempDir } from './safetensors-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/safetensors');
const tmp = tempDir('inspect');
afterAll(() => tmp.cleanup());

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'inspect', ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, { metadata: Record<string, string> | null; tensors: Record<string, { dtype: string; hex: string }> }>;

describe('xembodied inspect', () => {
  it('--json: tensor table, dtype histogram, totals and metadata of a file', async () => {
    const r = await cli(join(FIX, 'our-dtypes.safetensors'), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const want = expected['our-dtypes.safetensors']!;
    expect(report.kind).toBe('file');
    expect(report.metadata).toEqual(want.metadata);
    expect(report.tensors).toHaveLength(Object.keys(want.tensors).length);
    const bytes = Object.values(want.tensors).reduce((a, t) => a + t.hex.length / 2, 0);
    expect(report.totalBytes).toBe(bytes);
    expect(report.tensors.find((t: { name: string }) => t.name === 'h')).toMatchObject({ dtype: 'F16', shape: [8], bytes: 16, parameters: 8 });
    expect(report.tensors.find((t: { name: string }) => t.name === 'scalar')).toMatchObject({ shape: [], parameters: 1 });
    expect(report.dtypes.F32).toEqual({ tensors: 4, parameters: 10, bytes: 40 });
    expect(report.dtypes.U8).toEqual({ tensors: 4, parameters: 7, bytes: 7 });
  });

  it('text: a table, the histogram, totals, metadata, and control characters escaped', async () => {
    const r = await cli(join(FIX, 'our-dtypes.safetensors'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name\s+dtype\s+shape\s+bytes$/m);
    expect(r.stdout).toMatch(/^model\.embed\.weight\s+F32\s+\[2, 4\]\s+32$/m);
    expect(r.stdout).toMatch(/^ {2}BF16\s+2 tensors\s+7 parameters\s+14 bytes$/m);
    expect(r.stdout).toMatch(/^total: 47 parameters, 145 bytes/m);
    expect(r.stdout).toContain('  format = pt');
    expect(r.stdout).toContain('quote"back\\slash\\u000anl\\u0001ctl');
    // no raw control character other than the line feeds reaches the terminal
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(r.stdout)).toBe(false);
  });

  it('a sharded directory: tensors across shards with their file, shard list, index metadata', async () => {
    const dir = join(FIX, 'sharded');
    const j = await cli(dir, '--json');
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.kind).toBe('sharded');
    expect(report.files).toHaveLength(2);
    expect(report.totalBytes).toBe(28);
    expect(report.totalParameters).toBe(7);
    expect(report.metadata).toEqual({ total_size: 28 });
    expect(report.tensors.map((t: { name: string; file: string }) => [t.name, t.file]).sort()).toEqual([
      ['head.ids', 'model-00002-of-00002.safetensors'],
      ['layers.0.b', 'model-00001-of-00002.safetensors'],
      ['layers.0.w', 'model-00001-of-00002.safetensors'],
      ['layers.1.w', 'model-00002-of-00002.safetensors'],
    ]);
    const t = await cli(dir);
    expect(t.stdout).toContain('sharded checkpoint, 2 shards, 4 tensors');
    expect(t.stdout).toMatch(/^layers\.1\.w\s+F32\s+\[2\]\s+8\s+model-00002-of-00002\.safetensors$/m);
    expect(t.stdout).toContain('  total_size = 28');
  });

  it('dtypes that cannot be loaded are listed and marked; sub-byte parameter counts', async () => {
    const r = await cli(join(FIX, 'unsupported.safetensors'), '--json');
    const report = JSON.parse(r.stdout);
    expect(report.tensors.every((t: { loadable: boolean }) => !t.loadable)).toBe(true);
    expect(report.dtypes.F4).toEqual({ tensors: 1, parameters: 4, bytes: 2 });
    expect(report.dtypes.F6_E2M3).toEqual({ tensors: 1, parameters: 4, bytes: 3 });
    expect((await cli(join(FIX, 'unsupported.safetensors'))).stdout).toMatch(/^f4\s+F4 \(not loadable\)\s+\[2, 2\]\s+2$/m);
  });

  it('a malformed file exits 1 with the code; --json prints the error; bad usage exits 2', async () => {
    const bad = tmp.write('bad.safetensors', makeFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 9));
    const r = await cli(bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[TRAILING_BYTES]');
    const j = await cli(bad, '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error).toMatchObject({ code: 'TRAILING_BYTES', file: bad, tensor: null });
    expect((await cli()).code).toBe(2);
  });
});
