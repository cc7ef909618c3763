// The emulator's own test programs (built with the addon when XEMB_EMU=ON, the default): every
// primitive against independent host computations, the emulator's error reports, and the three
// planted bugs the emulator must catch — kept as regression tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Beside the addon under test (XEMB_ADDON selects another build dir, as in src/binding.ts)
const addon = process.env['XEMB_ADDON'];
const dir = addon ? join(dirname(dirname(resolve(addon))), 'emu-tests') : join(import.meta.dirname, '..', '..', 'build', 'emu-tests');

function runProgram(name: string): { lines: string[]; status: number | null } {
  const r = spawnSync(join(dir, name), [], { encoding: 'utf8', timeout: 120_000 });
  return { lines: r.stdout.split('\n'), status: r.status };
}

describe.skipIf(!existsSync(join(dir, 'xemb-emu-test')))('cuda-emu programs (build/emu-tests)', () => {
  it('emulator core: every check passes', () => {
    const { lines, status } = runProgram('xemb-emu-test');
    const failures = lines.filter((l) => l.startsWith('FAIL'));
    expect(failures).toEqual([]);
    expect(lines.some((l) => /^\d+ passed, 0 failed$/.test(l))).toBe(true);
    expect(status).toBe(0);
  });

  it('planted bugs are reported: missing __syncthreads, off-by-one global write, wrong fragment index', () => {
    const { lines } = runProgram('xemb-emu-test');
    const has = (re: RegExp) => lines.some((l) => re.test(l));
    expect(has(/^PASS bug \(a\) missing syncthreads: race named with kernel, shared address and both threads/), 'missing barrier').toBe(true);
    expect(has(/^PASS bug \(b\) off-by-one global write caught by the guard band: .*past the end/), 'off-by-one write').toBe(true);
    expect(has(/^PASS bug \(c\) wrong fragment index .* rejected/), 'wrong fragment index').toBe(true);
  });

  it('races through raw-address data paths are reported: ldmatrix rows, cp.async destinations from the issue on', () => {
    const { lines } = runProgram('xemb-emu-test');
    const has = (re: RegExp) => lines.some((l) => re.test(l));
    for (const order of ['forward', 'reverse']) {
      expect(has(new RegExp(`^PASS bug \\(d\\) ldmatrix with no barrier .*\\(${order} order\\)`)), `ldmatrix ${order}`).toBe(true);
      expect(has(new RegExp(`^PASS bug \\(e\\) cp.async issued into a stage .*\\(${order} order\\)`)), `cp.async ${order}`).toBe(true);
    }
  });

  it('tensor-core primitives: layouts, rounding, ldmatrix, cp.async; the swapped-fragment bug is caught', () => {
    const { lines, status } = runProgram('xemb-emu-tensor-core-test');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(lines.some((l) => /^\d+ passed, 0 failed$/.test(l))).toBe(true);
    expect(lines.some((l) => /^PASS planted bug: wrong fragment index \(a1<->a2 swapped\) fails the full-product test/.test(l))).toBe(true);
    expect(status).toBe(0);
  });
});

describe('the primitive surface is the only way CUDA kernels reach the hardware', () => {
  it('no raw launches, inline PTX, __shared__, barriers or warp intrinsics outside kernels/cuda/prim/', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const cudaDir = join(import.meta.dirname, '..', '..', 'kernels', 'cuda');
    const banned = /<<<|\basm\s*(volatile\s*)?\(|__shared__|__syncthreads|__syncwarp|__shfl\w*_sync|__ballot_sync|__any_sync|__all_sync|\batomic(Add|Max|Min|CAS|Exch)\b/;
    const offenders: string[] = [];
    for (const f of readdirSync(cudaDir).filter((n) => /\.(cu|cuh)$/.test(n))) {
      readFileSync(join(cudaDir, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '');
          if (banned.test(code)) offenders.push(`kernels/cuda/${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
