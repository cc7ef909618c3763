// Packs the GPU verification kit: everything `bench/gpu/verify.ts` needs on a GPU machine that
// has no Node, no npm and no network, in one .tar.xz under 60 MiB:
//   node/bin/node              this machine's Node binary (needs glibc >= 2.28 there)
//   lib/                       this machine's libstdc++ and libgcc_s, for the addon
//   build/Release/xembodied.node   the addon as built here (build it with CUDA for sm_80..90)
//   dist/verify.mjs            bench/gpu/verify.ts bundled with the library and the benchmarks
//   dist/peers/torch_peers.py  PyTorch peers (used when python3 + torch exist there)
//   node_modules/benchmark (+ lodash, platform)  host timing; kept out of the bundle
//   run.sh                     unpack-and-run entry: ./run.sh [--device cuda] [--quick]
// Usage: npm run gpu:kit [-- --out gpu-kit] ; then copy gpu-kit/xembodied-gpu-kit.tar.xz over and
// run `tar -xJf xembodied-gpu-kit.tar.xz && ./xembodied-gpu-kit/run.sh`.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const outDir = join(root, outArg > 0 ? process.argv[outArg + 1] : 'gpu-kit');
const kit = join(outDir, 'xembodied-gpu-kit');
const addon = join(root, 'build', 'Release', 'xembodied.node');
if (!existsSync(addon)) {
  console.error('gpu-kit: build/Release/xembodied.node is missing: run `npm run build:native` (with nvcc) first');
  process.exit(1);
}

rmSync(kit, { recursive: true, force: true });
for (const d of ['node/bin', 'lib', 'build/Release', 'dist/peers']) mkdirSync(join(kit, d), { recursive: true });

copyFileSync(process.execPath, join(kit, 'node/bin/node'));
chmodSync(join(kit, 'node/bin/node'), 0o755);
copyFileSync(addon, join(kit, 'build/Release/xembodied.node'));
for (const lib of ['libstdc++.so.6', 'libgcc_s.so.1']) {
  const path = execFileSync('sh', ['-c', `ldconfig -p | grep -m1 '${lib} (libc6,x86-64)' | sed 's/.*=> //'`], { encoding: 'utf8' }).trim();
  if (path) copyFileSync(path, join(kit, 'lib', lib));
}
copyFileSync(join(root, 'bench/gpu/peers/torch_peers.py'), join(kit, 'dist/peers/torch_peers.py'));

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}
await build({
  entryPoints: [join(root, 'bench/gpu/verify.ts')],
  outfile: join(kit, 'dist/verify.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (benchmark) call require(); give the ESM bundle one
  banner: { js: "import { createRequire as __xembRequire } from 'node:module'; const require = __xembRequire(import.meta.url);" },
  define: { 'process.env.XEMB_KIT_COMMIT': JSON.stringify(commit) },
  // benchmark.js detects its environment in ways a bundle breaks: ship it as a package instead
  external: ['benchmark'],
  logLevel: 'warning',
});
for (const pkg of ['benchmark', 'lodash', 'platform']) {
  cpSync(join(root, 'node_modules', pkg), join(kit, 'node_modules', pkg), { recursive: true });
}

writeFileSync(
  join(kit, 'run.sh'),
  `#!/bin/sh
# xembodied GPU verification kit (commit ${commit}). Writes results/<date>-gpu-verify-<gpu>.{md,json}.
set -e
# shell builtins only: the GPU machine may have little more than a shell
case "$0" in */*) here="\${0%/*}" ;; *) here=. ;; esac
here="$(cd "$here" && pwd)"
export LD_LIBRARY_PATH="$here/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XEMB_ENABLE_CUDA_EMU=1  # the primitive agreement test compares the GPU with the emulator
cd "$here"
exec "$here/node/bin/node" dist/verify.mjs --out "\${XEMB_KIT_OUT:-$here/results}" "$@"
`,
);
chmodSync(join(kit, 'run.sh'), 0o755);

const tarball = join(outDir, 'xembodied-gpu-kit.tar.xz');
execFileSync('tar', ['-cJf', tarball, '-C', outDir, 'xembodied-gpu-kit'], { env: { ...process.env, XZ_OPT: '-9 -T0' } });
const mib = statSync(tarball).size / 2 ** 20;
console.log(`gpu-kit: ${tarball} (${mib.toFixed(1)} MiB, commit ${commit})`);
if (mib > 60) {
  console.error('gpu-kit: over the 60 MiB budget');
  process.exit(1);
}
