/**
 * Module-resolution hook for the smoke test (registered by ./register.ts): the specifier `electron` resolves to the
 * electron fake as the smoke test drives it (./driven-electron.ts); everything else resolves as usual. Electron's own
 * loader does the same for the real module, which is not a file on disk.
 */
import type { ResolveHook } from 'node:module';

const FAKE_URL = new URL('./driven-electron.ts', import.meta.url).href;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === 'electron') return { url: FAKE_URL, format: 'module-typescript', shortCircuit: true };
  return nextResolve(specifier, context);
};
