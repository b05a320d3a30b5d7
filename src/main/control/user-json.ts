/** Reading the user's JSON files (settings.json, cores.json) without ever losing one to a later save. */
import { readFileSync } from 'node:fs';
import { moveAsideCorrupt } from '../atomic-file.ts';

/**
 * A JSON file of the user's (settings, remote Cores), or undefined when it is missing. A file that exists but is not
 * valid JSON is moved aside (`<file>.corrupt-<time>`) and reported through `onCorrupt`, so the next save cannot
 * overwrite what the user may want back.
 */
export function readUserJson(path: string, onCorrupt?: (detail: Record<string, unknown>) => void): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    try {
      const movedTo = moveAsideCorrupt(path, Date.now());
      onCorrupt?.({ file: path, movedTo, reason: (err as Error).message });
    } catch (moveErr) {
      onCorrupt?.({ file: path, reason: (err as Error).message, moveError: String(moveErr) });
    }
    return undefined;
  }
}
