/**
 * `npm run bench [filter]`: imports every bench/*.bench.ts (sorted by name) whose name contains the optional
 * filter and awaits each module's default export in turn.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
for (const f of files) {
  console.log(`# ${f}`);
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { default?: () => Promise<void> | void };
  if (typeof mod.default !== 'function') {
    console.log(`  (no default export, skipped)`);
    continue;
  }
  await mod.default();
}
