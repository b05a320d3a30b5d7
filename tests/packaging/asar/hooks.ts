/**
 * Module hooks that load ES modules from inside an app.asar, as Electron's own loader does (plain Node cannot read an
 * asar). Registered by ./register.ts for the packing test. Only what the packed main bundle needs: relative imports
 * between files in the archive (the bundles carry no node_modules: everything is bundled), `.js` as ESM (the
 * archive's package.json says "type": "module"), `.cjs` as CommonJS. Every URL loaded from the archive is appended to
 * SMOKE_ASAR_LOG, so the test can tell that nothing was loaded from the repository instead.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadHook, ResolveHook } from 'node:module';
import asar from '@electron/asar';

const LOG = process.env.SMOKE_ASAR_LOG ?? '';

/** `[archive, path inside]` for a file URL inside an .asar, else null. */
function splitAsar(url: string): [string, string] | null {
  if (!url.startsWith('file:')) return null;
  const path = fileURLToPath(url);
  const at = path.indexOf('.asar/');
  return at < 0 ? null : [path.slice(0, at + 5), path.slice(at + 6)];
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const parent = context.parentURL;
  if (parent && splitAsar(parent) && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const url = new URL(specifier, parent).href;
    const [archive, inner] = splitAsar(url)!;
    asar.statFile(archive, inner); // throws for a file that is not in the archive, as a failed import would
    return { url, format: url.endsWith('.cjs') ? 'commonjs' : 'module', shortCircuit: true };
  }
  if (splitAsar(specifier)) return { url: specifier, format: specifier.endsWith('.cjs') ? 'commonjs' : 'module', shortCircuit: true };
  return nextResolve(specifier, context);
};

export const load: LoadHook = async (url, context, nextLoad) => {
  const inside = splitAsar(url);
  if (!inside) return nextLoad(url, context);
  if (LOG !== '') appendFileSync(LOG, `${url}\n`);
  const source = asar.extractFile(inside[0], inside[1]);
  return { format: url.endsWith('.cjs') ? 'commonjs' : 'module', source: source.toString('utf8'), shortCircuit: true };
};
