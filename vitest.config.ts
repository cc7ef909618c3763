import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // native queues are process-wide; forks keep each test file in its own process
    pool: 'forks',
    testTimeout: 60_000,
    // guard bands around every native allocation; the harness asserts none was overwritten
    env: { XEMB_GUARD_BANDS: '1', XEMB_ENABLE_CUDA_EMU: '1' },
    // the JSON report lets .ci/run print a plain "N passed, N failed" closing line
    reporters: ['default', 'json'],
    outputFile: { json: 'build/test-results.json' },
  },
});
