// Every case ends here: its tensors disposed, every backend synchronized, then no guard band
// may have been overwritten (and, through withScope, no tensor of the case may still be alive).
import { expect } from 'vitest';
import { guardBandsEnabled, guardViolations, synchronize, tensorStats, type Tensor } from '../../src/index.js';
import { backends } from './backends.js';

export async function expectNoGuardViolations(): Promise<void> {
  expect(guardBandsEnabled(), 'guard bands are off: run under vitest (XEMB_GUARD_BANDS=1)').toBe(true);
  for (const dev of backends()) await synchronize(dev);
  const v = guardViolations();
  expect(v, `guard-band violations:\n${v.join('\n')}`).toEqual([]);
}

/** Collects the tensors of one case so that they are all disposed, whatever happens. */
export class Scope {
  readonly #tensors: Tensor[] = [];
  /** Registers `t` for disposal and returns it. */
  keep<T extends Tensor>(t: T): T {
    this.#tensors.push(t);
    return t;
  }
  dispose(): void {
    for (const t of this.#tensors.splice(0)) t.dispose();
  }
}

/** Runs a case with a Scope, disposes it, then checks guard bands and that the case leaked no tensor. */
export async function withScope(fn: (s: Scope) => Promise<void> | void): Promise<void> {
  const liveBefore = tensorStats().live;
  const s = new Scope();
  try {
    await fn(s);
  } finally {
    s.dispose();
  }
  expect(tensorStats().live - liveBefore, 'tensors left alive after the case (missing dispose)').toBe(0);
  await expectNoGuardViolations();
}
