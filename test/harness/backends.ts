// Backends every op case runs on, and the visible notice when CUDA is absent.
import { expect, it } from 'vitest';
import { casesRun } from './compare.js';
import { cudaStatus, devices, hasCuda, type DeviceId } from '../../src/index.js';

/**
 * 'cpu' always, 'cuda-emu' when the emulated CUDA backend is registered (the test config sets
 * XEMB_ENABLE_CUDA_EMU=1 when the build has it), then 'cuda' when a driver and a supported GPU
 * are present.
 */
export function backends(): DeviceId[] {
  const list: DeviceId[] = ['cpu'];
  if (devices().some((d) => d.backend === 'cuda-emu')) list.push('cuda-emu');
  if (hasCuda()) list.push('cuda');
  return list;
}

/**
 * Registers one test that makes a missing CUDA backend visible: skipped (its name carries the
 * reason) normally, failing when XEMB_REQUIRE_CUDA=1 (npm run test:gpu). Call once per op file.
 */
export function cudaNotice(): void {
  if (hasCuda()) return;
  const reason = cudaStatus().reason || 'CUDA unavailable';
  if (process.env.XEMB_REQUIRE_CUDA === '1') {
    it(`cuda: required by XEMB_REQUIRE_CUDA=1 but unavailable — ${reason}`, () => {
      throw new Error(`XEMB_REQUIRE_CUDA=1 but CUDA is unavailable: ${reason}`);
    });
  } else {
    it.skip(`cuda: skipped — ${reason}`, () => {});
  }
}

/**
 * Registers, after the file's cases, one test per backend that shows in the report how many
 * cases ran there (so cuda-emu and cuda runs are visible, not hidden inside loops) and fails if a
 * backend ran none. Call once at the end of each op test file.
 */
export function backendSummary(): void {
  for (const dev of backends()) {
    it(`${dev}: ran this file's cases (compared with the fp64 reference and across backends)`, () => {
      const n = casesRun.get(dev) ?? 0;
      expect(n, `cases that reached ${dev}`).toBeGreaterThan(0);
    });
  }
}
