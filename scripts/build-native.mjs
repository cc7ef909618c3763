// Builds the addon with cmake-js, offline (package.json "binary.napi_versions" makes cmake-js use
// the node-api-headers package instead of downloading Node headers). Runs on `npm ci`/`npm install`.
//   XEMB_CUDA=auto|on|off   compile CUDA kernels when nvcc is found (default auto)
//   XEMB_CUDA_ARCHS="90"    narrow CUDA architectures (default 80;86;89;90)
//   XEMB_BUILD_JOBS=N       parallel compile jobs (default: cores)
//   XEMB_BUILD_DIR=dir      build somewhere else than build/ (development next to a loaded addon)
//   XEMB_SKIP_NATIVE=1      skip (for tooling that only needs the TypeScript)
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.XEMB_SKIP_NATIVE === '1') {
  console.log('xembodied: XEMB_SKIP_NATIVE=1, not building the native addon');
  process.exit(0);
}
const mode = process.env.XEMB_CUDA ?? 'auto';
if (!['auto', 'on', 'off'].includes(mode)) {
  console.error(`xembodied: XEMB_CUDA must be auto, on or off, received "${mode}"`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const jobs = process.env.XEMB_BUILD_JOBS ?? String(availableParallelism());
// configure every time (cheap), so a changed XEMB_CUDA or XEMB_CUDA_ARCHS takes effect
const defs = [`--CDXEMB_CUDA=${mode}`];
if (process.env.XEMB_BUILD_DIR) defs.push('--out', process.env.XEMB_BUILD_DIR);
if (process.env.XEMB_CUDA_ARCHS) defs.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.XEMB_CUDA_ARCHS}`);
console.log(`xembodied: building the native addon (XEMB_CUDA=${mode}, ${jobs} jobs)`);
for (const step of [['configure', ...defs], ['build', '--parallel', jobs, ...defs]]) {
  const r = spawnSync(process.execPath, [cmakeJs, ...step], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
