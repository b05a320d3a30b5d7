import { defineConfig } from 'vitest/config';

/** Tests run on the Node of node_modules/.bin (24, as Electron's main process); no Electron binary is needed. */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-results.json' }]],
    maxWorkers: 2,
  },
});
