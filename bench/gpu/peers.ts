// PyTorch peers for the GPU report: runs peers/torch_peers.py with the machine's python3 when
// torch imports there, at the shapes our benchmarks use, and returns its table.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function torchPeers(): { markdown: string; rows?: unknown } {
  const candidates = [new URL('./peers/torch_peers.py', import.meta.url), new URL('./torch_peers.py', import.meta.url)].map((u) => fileURLToPath(u));
  const script = candidates.find((p) => existsSync(p));
  if (!script) return { markdown: 'torch_peers.py not found next to the kit' };
  try {
    const out = execFileSync('python3', [script], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const parsed = JSON.parse(out) as { markdown: string; rows: unknown };
    return parsed;
  } catch (e) {
    return { markdown: `PyTorch peers not run: ${(e as Error).message.split('\n')[0]}` };
  }
}
