/**
 * For tests that build bundles: a cross-process lock, and a hash of the sources a build reads, so a build is
 * skipped when its output was made from the same sources (several test files may run at once).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { sleep } from './wait.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** SHA-256 over every file below `dirs` (paths and contents, in sorted order) and the given extra files, all relative to ROOT. */
export function hashSources(dirs: readonly string[], files: readonly string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const dir of dirs) walk(join(ROOT, dir));
  for (const f of files) if (existsSync(join(ROOT, f))) hash.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
  return hash.digest('hex');
}

/** A cross-process lock (an atomic mkdir); a lock older than `staleMs` is taken over (a killed run). */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, staleMs = 180_000): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
