import { join } from 'node:path';
import { withLock } from '../support/build-cache.ts';
import { ROOT } from '../main/shell/smoke/harness.ts';

/**
 * Runs `fn` holding both build locks (the smoke build's out/main + out/preload, the e2e build's out/renderer), so no
 * other test file rebuilds out/ while a packer reads it. Always in this order; the builders each take only one.
 */
export function withOutLocked<T>(fn: () => Promise<T>): Promise<T> {
  return withLock(join(ROOT, 'out', '.smoke-build.lock'), () => withLock(join(ROOT, 'out', '.renderer-build.lock'), fn));
}
