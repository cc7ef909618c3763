// Per-ISA agreement for the nn ops: the suite runs at this machine's best instruction set; these
// helpers rerun a small script in child processes with XEMB_CPU_ISA forced to each lower level.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { devices } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');

/** The ISA levels this machine can run, lowest first. */
export function usableIsas(): string[] {
  const levels = ['generic', 'avx2', 'avx512', 'avx512bf16'];
  return levels.slice(0, levels.indexOf(devices()[0]!.bestIsa!) + 1);
}

/**
 * Runs `body` (module code with `ops`, `Tensor` in scope; it assigns `out.<name> = number[]`) with
 * XEMB_CPU_ISA = isa and returns `out` plus the ISA the child really used.
 */
export function runAtIsa(isa: string, body: string): Record<string, number[]> & { isa: string } {
  const script = `
import { ops, Tensor, devices } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
const out = { isa: devices()[0].isa };
${body}
process.stdout.write(JSON.stringify(out));
`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, XEMB_CPU_ISA: isa },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, number[]> & { isa: string };
}

/** nmse of a against b (NaN positions must match). */
export function nmseOf(a: number[], b: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i]!) || Number.isNaN(a[i]!)) {
      if (Number.isNaN(b[i]!) !== Number.isNaN(a[i]!)) return Infinity;
      continue;
    }
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return den === 0 ? num : num / den;
}
