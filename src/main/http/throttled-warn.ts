import type { Logger } from '../log.ts';

/** At most one warning per reason every 10 s, with the number left out, so a flood cannot fill the log. */
export function throttledWarn(log: Logger, intervalMs = 10_000): (reason: string, fields: Record<string, unknown>) => void {
  const last = new Map<string, { atMs: number; suppressed: number }>();
  return (reason, fields) => {
    const now = Date.now();
    const entry = last.get(reason);
    if (entry && now - entry.atMs < intervalMs) {
      entry.suppressed++;
      return;
    }
    log.warn(reason, entry && entry.suppressed > 0 ? { ...fields, suppressed: entry.suppressed } : fields);
    last.set(reason, { atMs: now, suppressed: 0 });
  };
}
