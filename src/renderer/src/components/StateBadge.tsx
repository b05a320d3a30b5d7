import type { CoreStateName } from '../../../shared/types.ts';

const GOOD: ReadonlySet<CoreStateName> = new Set(['running', 'online']);
/** `stale`: was online, its last answer is too old (a slow or dripping Core); amber, its lastError says why. */
const WAIT: ReadonlySet<CoreStateName> = new Set(['connecting', 'paused', 'stale']);

/** A core's state as a coloured badge. */
export function StateBadge({ state }: { state: CoreStateName }): React.JSX.Element {
  const tone = GOOD.has(state) ? 'good' : WAIT.has(state) ? 'wait' : 'bad';
  return (
    <span className={`badge badge-${tone}`} data-testid="core-state">
      {state}
    </span>
  );
}
