// GPU kit section: safetensors upload speed as a fraction of the machine's host-to-device
// bandwidth (issue 4 target: >= 80%). Both numbers come from the same run on the same GPU:
// 1. the ceiling: a plain cudaMemcpyAsync of 256 MiB from page-locked memory (binding.h2dBandwidth);
// 2. our loader: loadCheckpoint of a ~1 GB bf16 checkpoint (decoder layout, written with our
//    writer under the OS temp dir, page cache warm) to the GPU, until the stream is done.
// Without a GPU (dry run) the same code runs on cuda-emu with a small file: it proves the path
// works, and its numbers are memcpy speeds, not a measurement of anything the target is about.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binding } from '../../src/binding.js';
import { loadCheckpoint, synchronize, type DeviceId } from '../../src/index.js';
import { makeCheckpoint, modelLayout, warm } from '../io/safetensors.bench.js';

const TARGET = 0.8;

export async function uploadSection(device: DeviceId, quick: boolean, log: (s: string) => void): Promise<{ markdown: string; data: unknown }> {
  const dryRun = device !== 'cuda';
  if (device === 'cpu') return { markdown: '## safetensors upload\n\nskipped: no CUDA device and no cuda-emu\n', data: null };
  const dir = mkdtempSync(join(tmpdir(), 'xemb-kit-upload-'));
  try {
    // ~1 GB on a GPU (17 layers of the bench layout), ~70 MB on the emulator
    const layout = dryRun ? modelLayout(2, 512, 1408, 8000, 8) : modelLayout(17);
    log(`upload: writing a ${dryRun ? 'small' : '~1 GB'} checkpoint`);
    const file = await makeCheckpoint(dir, layout);
    await warm(file.path);
    const reps = quick || dryRun ? 3 : 5;
    const h2d: number[] = [];
    for (let r = 0; r < reps; r++) h2d.push(await binding.h2dBandwidth(device, 256 << 20, dryRun ? 2 : 10));
    const loads: number[] = [];
    for (let r = 0; r < reps + 1; r++) {
      await synchronize(device);
      const t0 = performance.now();
      const m = await loadCheckpoint(file.path, { device });
      await synchronize(device);
      const ms = performance.now() - t0;
      for (const t of m.values()) t.dispose();
      if (r > 0) loads.push(file.bytes / (ms / 1e3) / 1e9); // the first run also creates the staging buffers
    }
    const best = (xs: number[]) => Math.max(...xs);
    const peak = best(h2d);
    const ours = best(loads);
    const ratio = ours / peak;
    const verdict = dryRun ? 'dry run: not measured (no GPU)' : ratio >= TARGET ? `met (>= ${TARGET * 100}%)` : `NOT met (target >= ${TARGET * 100}%)`;
    const markdown = [
      `## safetensors upload to ${device}${dryRun ? ' (dry run: cuda-emu, memcpy speeds, not a measurement)' : ''}`,
      '',
      `checkpoint: ${(file.bytes / 1e9).toFixed(2)} GB, ${file.tensors} bf16 tensors, page cache warm; best of ${reps} runs each`,
      '',
      '| measurement | GB/s |',
      '|---|--:|',
      `| host-to-device copy from pinned memory (cudaMemcpyAsync, 256 MiB) | ${peak.toFixed(2)} |`,
      `| loadCheckpoint to ${device} (staged upload, reading overlapped with the DMA) | ${ours.toFixed(2)} |`,
      `| ratio | ${(ratio * 100).toFixed(1)}% — ${verdict} |`,
      '',
    ].join('\n');
    return { markdown, data: { device, dryRun, fileBytes: file.bytes, tensors: file.tensors, h2dGBs: h2d, loadGBs: loads, ratio, target: TARGET } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
