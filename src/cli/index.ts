#!/usr/bin/env node
// xembodied command line. Commands: doctor (device report), inspect (safetensors checkpoints).
import { doctor } from './doctor.js';
import { inspect } from './inspect.js';

const USAGE = `usage: xembodied <command>

commands:
  doctor [--json]               devices, CUDA status and why it is unavailable, CPU instruction set, op registry
  inspect <file|dir> [--json]   safetensors file or checkpoint directory: tensors, dtypes, parameters, metadata
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'doctor':
      return doctor(rest);
    case 'inspect':
      return inspect(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`xembodied: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`xembodied: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
