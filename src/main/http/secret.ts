/** The one constant-time comparison of secrets (API login, memfs Basic auth, RTMP/SRT tokens). */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether two secrets are equal, in time independent of where they differ and of their lengths (both hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
