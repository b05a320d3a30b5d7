import { useShallow } from 'zustand/react/shallow';
import type { CoreInfo } from '../../../shared/types.ts';
import { formatAgo } from '../format/units.ts';
import { useApp, useNow } from '../store/hooks.ts';

const HEALTHY: ReadonlySet<CoreInfo['state']> = new Set(['online', 'running']);

/**
 * The remote cores whose numbers are not current (not answering, not paused by the user): their sessions are missing
 * from every total. Re-rendered with the cores (each push).
 */
export function useMissingCores(): readonly CoreInfo[] {
  return useApp(useShallow((s) => s.cores.filter((c) => c.kind === 'remote' && !HEALTHY.has(c.state) && c.state !== 'paused')));
}

/** "Studio is unreachable (last answer 9 s ago); …": which cores are missing and since when. */
function missingCoresText(missing: readonly CoreInfo[], nowMs: number): string {
  return missing.map((c) => `${c.name} is ${c.state}${c.lastSuccessMs ? ` (last answer ${formatAgo(c.lastSuccessMs, nowMs)})` : ''}`).join('; ');
}

/**
 * What the totals hold while cores are missing, in a sentence (ticking with the clock): their last known numbers,
 * counted for a few seconds after their last answer (the fleet's stale bound), then none of theirs. The collectors in
 * the store say which (a missing core's are there or not).
 */
export function useTotalsNote(missing: readonly CoreInfo[]): { counted: boolean; text: string } {
  const now = useNow();
  const counted = useApp((s) => missing.some((c) => s.collectors.some((t) => t.core === c.id)));
  const text = counted
    ? `Totals hold last known numbers: ${missingCoresText(missing, now)}; its sessions are counted as last seen.`
    : `Totals are incomplete: ${missingCoresText(missing, now)}; its sessions are not counted.`;
  return { counted, text };
}

/**
 * The top bar's mark beside its totals while a remote core is missing: a core going down drops its users from the
 * header on every view, which would read as people leaving (the Streams view says it in its banner too).
 */
export function TotalsIncomplete(): React.JSX.Element | null {
  const missing = useMissingCores();
  return missing.length > 0 ? <TotalsIncompleteMark missing={missing} /> : null;
}

function TotalsIncompleteMark({ missing }: { missing: readonly CoreInfo[] }): React.JSX.Element {
  const { counted, text } = useTotalsNote(missing);
  return (
    <span className="badge badge-wait" role="status" title={text} aria-label={text} data-testid="totals-incomplete">
      {counted ? 'last known' : 'incomplete'}
    </span>
  );
}
