// `xembodied doctor`: what this process can run on, and why CUDA is not available when it is not.
import { binding } from '../binding.js';
import { cudaStatus, devices } from '../device.js';

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

export function doctor(args: string[]): number {
  const list = devices();
  const cuda = cudaStatus();
  const ops = binding.ops();
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ node: process.version, devices: list, cuda, ops }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`xembodied doctor (node ${process.version}, ${process.platform}-${process.arch})`, '');
  lines.push('devices:');
  for (const d of list) {
    if (d.backend === 'cpu') {
      lines.push(`  ${d.id.padEnd(8)} ${d.name} | ${d.threads} threads | kernels: ${d.isa} (best this CPU supports: ${d.bestIsa})`);
    } else {
      lines.push(
        `  ${d.id.padEnd(8)} ${d.name} | sm_${d.computeCapability?.replace('.', '')} | ${gib(d.totalMemory ?? 0)} | ${d.smCount} SMs`,
      );
    }
  }
  lines.push('');
  lines.push(`cuda: ${cuda.available ? 'available' : 'unavailable'}`);
  lines.push(`  compiled into this build: ${cuda.compiled ? 'yes' : 'no'}`);
  if (cuda.compiled) lines.push(`  runtime: ${cuda.runtimeVersion} (static)`, `  driver: ${cuda.driverVersion || 'not found'}`);
  if (!cuda.available) lines.push(`  reason: ${cuda.reason}`);
  lines.push('');
  lines.push(`ops (${ops.length}):`);
  for (const op of ops) lines.push(`  ${op.name.padEnd(16)} ${op.devices.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
