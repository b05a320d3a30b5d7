/**
 * The project's electron-vite config (loaded as electron-vite loads it) without the renderer: the smoke test rebuilds
 * only out/main and out/preload, so it never empties out/renderer, which the e2e tests build and serve under their
 * own lock (tests/e2e/support.ts). Loaded through `loadConfigFromFile` rather than imported, because electron-vite
 * bundles a config file beside itself, and the root config's `import.meta.dirname` must stay the repository root.
 */
import { resolve } from 'node:path';
import { defineConfig, loadConfigFromFile } from 'electron-vite';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

export default defineConfig(async (env) => {
  const { config } = await loadConfigFromFile(env, resolve(ROOT, 'electron.vite.config.ts'), ROOT, 'warn');
  return { main: config.main, preload: config.preload };
});
