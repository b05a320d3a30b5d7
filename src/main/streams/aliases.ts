/**
 * User aliases for stream keys, `<dataDir>/stream-aliases.json`: `{"aliases": {"cam_backup": "cam", "x": "Studio"}}`
 * renames a key or merges several into one (every session of `cam_backup` counts for `cam`). A missing file is no
 * aliases; an unreadable or malformed one is logged and ignored (never a crash), and never overwritten by the app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';

export const ALIASES_FILE = 'stream-aliases.json';

export function loadStreamAliases(dataDir: string, log: Logger): Map<string, string> {
  const file = join(dataDir, ALIASES_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  try {
    const data = JSON.parse(text) as { aliases?: unknown };
    const out = new Map<string, string>();
    if (data === null || typeof data !== 'object' || typeof data.aliases !== 'object' || data.aliases === null || Array.isArray(data.aliases)) throw new Error('expected {"aliases": {"key": "shown as"}}');
    for (const [from, to] of Object.entries(data.aliases as Record<string, unknown>)) {
      if (typeof to !== 'string' || to === '' || from === '') throw new Error(`alias ${JSON.stringify(from)}: expected a non-empty string`);
      out.set(from, to);
    }
    return out;
  } catch (err) {
    log.warn('stream aliases ignored: the file is not valid', { file, error: (err as Error).message });
    return new Map();
  }
}
