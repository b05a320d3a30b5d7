import { defineConfig } from 'vitest/config';

/** Tests run on the Node of node_modules/.bin (24, as Electron's main process); no Electron binary is needed. */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
