/**
 * `npm run serve` (after the build): headless mode from the built bundle out/main/headless.js, the program the
 * `core-sessions` command runs, started with that command's memory settings: the environment assignments and node
 * flags of bin/core-sessions.js's first line (`#!/usr/bin/env -S NAME=value … node --flag …`). glibc reads
 * `MALLOC_ARENA_MAX` when the process starts, so it must be in the child's environment, which an npm script cannot
 * set the same way on every shell (cmd.exe has no `NAME=value command`); hence this launcher. The bundle, not
 * src/main/headless.ts: Node's TypeScript stripper would cost the server about 20 MB (docs/decisions.md, "The
 * headless server's memory plateau").
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** What headless mode ships with: `env` assignments and node `flags` from the `core-sessions` command's first line. */
export interface HeadlessNodeSettings {
  env: Readonly<Record<string, string>>;
  flags: readonly string[];
}

/** Reads them from bin/core-sessions.js (one place states them; the tests' headless child reads them here too). */
export function headlessNodeSettings(root = ROOT): HeadlessNodeSettings {
  const words = readFileSync(join(root, 'bin', 'core-sessions.js'), 'utf8').split('\n', 1)[0]!.split(' ');
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, flags: words.filter((w) => w.startsWith('--')) };
}

if (process.argv[1]?.endsWith('serve.ts')) {
  const { env, flags } = headlessNodeSettings();
  const child = spawn(process.execPath, [...flags, join(ROOT, 'out', 'main', 'headless.js'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  // Ctrl-C reaches the server from the terminal itself (same process group): a second SIGINT from here would end it
  // before it saved. SIGTERM (npm passes on the one it gets) is forwarded.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
