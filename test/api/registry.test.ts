// The TS op list must equal native/ops.def (as exported by the addon), and every op must have
// its files in every layer: params, CPU and CUDA kernels, TS op, tests and a bench.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binding } from '../../src/binding.js';
import { ops } from '../../src/index.js';
import { OP_NAMES } from '../../src/ops/index.js';

const root = join(import.meta.dirname, '..', '..');
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe('op registry', () => {
  const native = binding.ops();

  it('TS OP_NAMES equals the native registry, in order, with the same stems', () => {
    expect(Object.keys(OP_NAMES)).toEqual(native.map((o) => o.name));
    for (const o of native) expect(OP_NAMES[o.name as keyof typeof OP_NAMES][1]).toBe(o.stem);
  });

  it('ops.def is what the addon reports', () => {
    const def = readFileSync(join(root, 'native', 'ops.def'), 'utf8');
    const lines = [...def.matchAll(/^XEMB_OP\((\w+), (\w+), (\w+)\)/gm)].map((m) => [m[1], m[2]]);
    expect(lines).toEqual(native.map((o) => [o.name, o.stem]));
  });

  it('every registry name maps mechanically to a TS function in the ops namespace', () => {
    for (const [name, [fn]] of Object.entries(OP_NAMES)) {
      expect(fn).toBe(camel(name));
      expect(typeof (ops as Record<string, unknown>)[fn]).toBe('function');
    }
  });

  it('every op runs on the CPU backend', () => {
    for (const o of native) expect(o.devices).toContain('cpu');
  });

  for (const { name, stem } of native) {
    it(`${name}: params, kernels, TS op, tests and bench exist (stem ${stem})`, () => {
      for (const f of [`native/params/${stem}.h`, `kernels/cpu/${stem}.cpp`, `kernels/cuda/${stem}.cu`, `src/ops/${stem}.ts`]) {
        expect(existsSync(join(root, f)), f).toBe(true);
      }
      const test = join(root, 'test', 'ops', `${stem}.test.ts`);
      const bench = join(root, 'bench', 'ops', `${stem}.bench.ts`);
      expect(existsSync(test), `test/ops/${stem}.test.ts`).toBe(true);
      expect(existsSync(bench), `bench/ops/${stem}.bench.ts`).toBe(true);
      expect(readFileSync(test, 'utf8')).toContain(name);
      expect(readFileSync(bench, 'utf8')).toContain(name);
    });
  }
});
