import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * Three bundles: main (ESM, Node 24 in Electron 45), preload (CommonJS: a sandboxed preload cannot be ESM),
 * renderer (the React page; the same build is served at /ui/ in headless mode).
 * The main build has two entries: index (Electron) and headless (the `core-sessions` command, bin/core-sessions.js:
 * plain Node, no TypeScript at run time, no Electron). Their shared code is one chunk beside them in out/main/, so
 * import.meta.dirname is out/main in every file (app.ts finds out/renderer from there). undici, the one library
 * main uses, is bundled too (`externalizeDeps.exclude`): the bundles need nothing at run time but Node (or Electron),
 * so the app's asar and the npm package carry no node_modules, and package.json has no production dependencies.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: ['undici'] },
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/main/index.ts'), headless: resolve(import.meta.dirname, 'src/main/headless.ts') },
        output: { chunkFileNames: 'shared-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      minify: true,
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
  },
});
