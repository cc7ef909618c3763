// The primitive agreement probes (kernels/cuda/prim-probe.cu) on cuda-emu: they run, are
// deterministic, and the order-independent ones match a host computation. On a GPU the kit
// compares the same bytes with the hardware (bench/gpu/verify.ts).
import { describe, expect, it } from 'vitest';
import { binding } from '../../src/binding.js';
import { devices } from '../../src/index.js';

const hasEmu = devices().some((d) => d.id === 'cuda-emu');

// The probes' inputs are random words made natively from the seed, so these tests check what
// holds for any input (determinism, consistency between the vote results); the exact per-lane
// semantics are tested by build/emu-tests and, on a GPU, against the hardware.
describe.skipIf(!hasEmu)('primitive probes on cuda-emu', () => {
  it('every probe runs and gives the same bytes twice', async () => {
    for (let w = 0; w < binding.primProbeNames.length; w++) {
      const a = new Uint32Array(await binding.primProbe('cuda-emu', w, 99));
      const b = new Uint32Array(await binding.primProbe('cuda-emu', w, 99));
      expect(a, binding.primProbeNames[w]).toEqual(b);
      expect(a.some((x) => x !== 0), binding.primProbeNames[w]).toBe(true);
    }
  });

  it('votes are consistent: ballot is warp-uniform, any matches it, masked halves partition it', async () => {
    const vote = new Uint32Array(await binding.primProbe('cuda-emu', binding.primProbeNames.indexOf('vote'), 5));
    const total = 512;
    for (let warp = 0; warp < total / 32; warp++) {
      const ballot = vote[warp * 32]!;
      for (let l = 0; l < 32; l++) expect(vote[warp * 32 + l], 'ballot is warp-uniform').toBe(ballot);
      const any = vote[total + warp * 32]!;
      expect(any).toBe(ballot !== 0 ? 1 : 0);
      // the even/odd ballots partition the full ballot
      const even = vote[3 * total + warp * 32]!;
      const odd = vote[3 * total + warp * 32 + 1]!;
      expect((even | odd) >>> 0).toBe(ballot);
      expect(even & 0xaaaaaaaa).toBe(0);
      expect(odd & 0x55555555).toBe(0);
    }
  });

  it('unknown probes and devices without probes are typed errors', async () => {
    expect(() => binding.primProbe('cuda-emu', 99, 1)).toThrow(/which in \[0, 7\), received 99/);
    expect(() => binding.primProbe('cpu', 0, 1)).toThrow(/no primitive probes/);
  });
});
