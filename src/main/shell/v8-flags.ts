/**
 * The V8 heap limits of headless mode for the Electron app (docs/decisions.md, "Memory budget of headless mode").
 * Headless mode starts node with them on its command line; Electron takes V8 flags only through Chromium's
 * `js-flags` switch. Appended from the main script (as here), the switch reaches every process Chromium starts after
 * it (the dashboard's renderer, utility processes), but not the main process itself, whose V8 is set up before the
 * script runs: that one has them only when the launch command line carries `--js-flags=…` (Electron's documented
 * rule). `applyV8HeapFlags` says which case it found, for the start-up log.
 */
import { app } from 'electron';

/** The flags of the `core-sessions` command's first line (bin/core-sessions.js); a test checks the two agree. */
export const V8_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=512'];

/** The part of Electron's `app.commandLine` used here. */
export interface SwitchLine {
  getSwitchValue(name: string): string;
  appendSwitch(name: string, value?: string): void;
}

/** `--max-old-space-size=512` → `max-old-space-size` (V8 treats `_` and `-` alike). */
function flagName(flag: string): string {
  return flag.replace(/^--?/, '').split('=', 1)[0]!.replaceAll('_', '-');
}

/**
 * Adds the heap limits to `js-flags`, keeping every flag already there; a limit the user set on the launch command
 * line wins over ours. Call before `app` is ready (before any renderer starts). Idempotent.
 * Returns the resulting `js-flags` value and whether the main process itself runs with both limits.
 */
export function applyV8HeapFlags(commandLine: SwitchLine = app.commandLine): { jsFlags: string; mainProcessHasLimits: boolean } {
  const given = commandLine.getSwitchValue('js-flags').split(/\s+/).filter((f) => f !== '');
  const names = new Set(given.map(flagName));
  const mainProcessHasLimits = V8_HEAP_FLAGS.every((f) => names.has(flagName(f)));
  const added = V8_HEAP_FLAGS.filter((f) => !names.has(flagName(f)));
  const jsFlags = [...given, ...added].join(' ');
  if (added.length > 0) commandLine.appendSwitch('js-flags', jsFlags);
  return { jsFlags, mainProcessHasLimits };
}
