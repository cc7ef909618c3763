// Device discovery never crashes; without a GPU the CUDA backend says why; doctor prints it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, cudaStatus, devices, hasCuda, ops, type DeviceId } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');

describe('devices', () => {
  it('lists the CPU first with its name, threads and kernel ISA', () => {
    const [cpu] = devices();
    expect(cpu?.id).toBe('cpu');
    expect(cpu?.name.length).toBeGreaterThan(0);
    expect(cpu?.threads).toBeGreaterThanOrEqual(1);
    expect(['avx512bf16', 'avx512', 'avx2', 'generic']).toContain(cpu?.isa);
  });

  it('CUDA devices carry name, compute capability, memory and SM count; otherwise a reason', () => {
    const cuda = cudaStatus();
    const gpus = devices().filter((d) => d.backend === 'cuda');
    expect(cuda.available).toBe(gpus.length > 0);
    if (cuda.available) {
      for (const g of gpus) {
        expect(g.computeCapability).toMatch(/^\d+\.\d+$/);
        expect(g.totalMemory).toBeGreaterThan(0);
        expect(g.smCount).toBeGreaterThan(0);
      }
    } else {
      expect(cuda.reason.length).toBeGreaterThan(0);
    }
  });

  it.skipIf(hasCuda())('without CUDA, a cuda tensor is a typed UNAVAILABLE error that carries the reason', () => {
    let err: unknown;
    try {
      Tensor.from([1, 2], { device: 'cuda' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('UNAVAILABLE');
    expect((err as KernelError).message).toContain(cudaStatus().reason);
    expect(() => ops.zeros([2], { device: 'cuda:0' })).toThrow(KernelError);
  });

  it('malformed device strings are TypeErrors', () => {
    expect(() => Tensor.from([1], { device: 'gpu' as never })).toThrow(TypeError);
    expect(() => ops.zeros([1], { device: 'cuda:x' as never })).toThrow(/Expected a device/);
  });

  const other = devices().find((d) => d.backend !== 'cpu');
  it.runIf(other)(`mixing devices in one op is rejected before launch (cpu and ${other?.id})`, () => {
    const a = Tensor.from([1, 2, 3]);
    const b = Tensor.from([1, 2, 3], { device: other!.id as DeviceId });
    let err: unknown;
    try {
      ops.add(a, b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('INVALID_ARGUMENT');
    expect((err as KernelError).message).toContain(`expected b on the same device as a (cpu), received a tensor on ${other!.id}`);
  });

  it('`xembodied doctor` prints the device report', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'index.ts'), 'doctor'], { encoding: 'utf8', cwd: root });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/devices:\n\s+cpu\s+/);
    expect(r.stdout).toMatch(/cuda: (available|unavailable)/);
    if (!hasCuda()) expect(r.stdout).toContain(`reason: ${cudaStatus().reason}`);
    expect(r.stdout).toMatch(/ops \(\d+\):/);
    const j = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'index.ts'), 'doctor', '--json'], { encoding: 'utf8', cwd: root });
    const report = JSON.parse(j.stdout) as { devices: unknown[]; cuda: { available: boolean } };
    expect(report.devices.length).toBe(devices().length);
    expect(report.cuda.available).toBe(hasCuda());
  });
});

describe('benchmark probes', () => {
  it('queue-ordered timing events measure the work between them', async () => {
    const { recordEvent, elapsedMs, ops } = await import('../../src/index.js');
    const a = ops.randomUniform([256, 256], { seed: 3 });
    const e0 = recordEvent('cpu');
    const outs = [0, 1, 2, 3].map(() => ops.matmul(a, a));
    const e1 = recordEvent('cpu');
    const e2 = recordEvent('cpu');
    const ms = await elapsedMs(e0, e1);
    expect(ms).toBeGreaterThan(0);
    expect(await elapsedMs(e1, e2)).toBeLessThan(ms);
    for (const t of [a, ...outs]) t.dispose();
  });

  it('devicePeaks measures the CPU (positive bandwidth and FLOP rate) and rejects devices without a probe', async () => {
    const { devicePeaks } = await import('../../src/index.js');
    const p = await devicePeaks('cpu');
    expect(p.readGBs).toBeGreaterThan(0.5);
    expect(p.gflops).toBeGreaterThan(1);
    expect(p.threads).toBe(devices()[0]!.threads);
    expect(p.label).toMatch(/f32 FMA/);
    if (devices().some((d) => d.id === 'cuda-emu')) await expect(devicePeaks('cuda-emu')).rejects.toThrow(/no peak probe/);
  });
});
