#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 --max-old-space-size=512
// The `core-sessions` command (package.json "bin"): headless mode from the built bundle out/main/headless.js (no
// TypeScript at run time, no Electron). Plain JavaScript an old Node can parse, so that the version check below can
// say what is wrong in one line instead of a syntax error from the bundle.
// Memory settings on the first line (issue 16's memory budget, docs/performance.md): a 2 MB young generation and a
// stated old-space limit keep V8 from growing the heap to 300 MB under API load; two glibc malloc arenas instead of
// up to sixteen (one per thread that mallocs, on two cores) keep 10 MB less of freed memory under that load. The
// same settings run `npm run serve` (build/serve.ts reads them from here).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = /(\d+)/.exec(pkg.engines && pkg.engines.node ? pkg.engines.node : '24')[1];
const major = Number(process.versions.node.split('.')[0]);
if (major < Number(needed)) {
  process.stderr.write('core-sessions needs Node.js ' + needed + ' or newer; this is Node.js ' + process.versions.node + '.\n');
  process.exit(1);
}
const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(pkg.name + ' ' + pkg.version + '\n');
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  // The flags below are headless mode's (its help names `npm run serve`, the same program from a checkout).
  process.stdout.write('core-sessions ' + pkg.version + ': Core Sessions without Electron. core-sessions [flags], core-sessions --version\n\n');
}
await import('../out/main/headless.js');
