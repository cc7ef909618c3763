// Every CPU instruction-set variant gives the same answers: the suite runs with the best ISA of
// this machine; here child processes force the lower ones (XEMB_CPU_ISA) on the same inputs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devices } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');
const script = `
import { ops, devices } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
const a = ops.randomNormal([37, 130], { seed: 11 });
const b = ops.randomNormal([130, 29], { seed: 12 });
const ah = ops.cast(a, 'bf16');
const out = {
  isa: devices()[0].isa,
  add: Array.from(await ops.add(a, ops.randomNormal([130], { seed: 13 })).toArray()),
  divh: Array.from(await ops.div(ah, ops.cast(ops.randomUniform([1, 130], { seed: 14, low: 1, high: 2 }), 'bf16')).toArray()),
  mm: Array.from(await ops.matmul(a, b).toArray()),
};
process.stdout.write(JSON.stringify(out));
`;

function runWith(isa: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, XEMB_CPU_ISA: isa },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { isa: string; add: number[]; divh: number[]; mm: number[] };
}

describe('CPU ISA dispatch', () => {
  const best = devices()[0]!.bestIsa!;
  const levels = ['generic', 'avx2', 'avx512', 'avx512bf16'];
  const usable = levels.slice(0, levels.indexOf(best) + 1);

  it(`runs ${usable.join(', ')} and they agree`, () => {
    const results = usable.map(runWith);
    results.forEach((r, i) => expect(r.isa).toBe(usable[i]));
    const [ref, ...rest] = results;
    for (const r of rest) {
      // elementwise ops round once in f32 on every ISA: identical
      expect(r.add).toEqual(ref!.add);
      expect(r.divh).toEqual(ref!.divh);
      // matmul may contract into FMAs on AVX2/AVX-512: same values within f32 accumulation error
      let num = 0;
      let den = 0;
      r.mm.forEach((v, i) => {
        num += (v - ref!.mm[i]!) ** 2;
        den += ref!.mm[i]! ** 2;
      });
      expect(num / den).toBeLessThan(1e-12);
    }
  });
});
