/**
 * `node --import <smoke register> --import ./register.ts ./run-main.ts`: what Electron gives a packaged app and plain
 * Node lacks, for the packing test. Module loading from inside app.asar (./hooks.ts), and `readFile` of files inside
 * it (the app:// protocol handler serves the renderer from the archive), the one fs call the packed main bundle makes
 * on its own files. Electron patches fs the same way for every asar path.
 */
import fs from 'node:fs';
import { register, syncBuiltinESMExports } from 'node:module';
import asar from '@electron/asar';

register('./hooks.ts', import.meta.url);

function insideAsar(path: unknown): [string, string] | null {
  if (typeof path !== 'string') return null;
  const at = path.indexOf('.asar/');
  return at < 0 ? null : [path.slice(0, at + 5), path.slice(at + 6)];
}

const readFile = fs.promises.readFile;
fs.promises.readFile = (async (path: Parameters<typeof readFile>[0], options?: Parameters<typeof readFile>[1]) => {
  const inside = insideAsar(path);
  if (!inside) return readFile(path, options ?? null);
  let bytes: Buffer;
  try {
    bytes = asar.extractFile(inside[0], inside[1]);
  } catch {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${String(path)}'`), { code: 'ENOENT' });
  }
  const encoding = typeof options === 'string' ? options : options?.encoding;
  return encoding ? bytes.toString(encoding) : bytes;
}) as typeof readFile;
syncBuiltinESMExports();
