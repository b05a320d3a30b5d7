import type { CoreStateName } from '../../../shared/types.ts';

const GOOD: ReadonlySet<CoreStateName> = new Set(['running', 'online']);
const WAIT: ReadonlySet<CoreStateName> = new Set(['connecting', 'paused']);

export function StateBadge({ state }: { state: CoreStateName }): React.JSX.Element {
  const tone = GOOD.has(state) ? 'good' : WAIT.has(state) ? 'wait' : 'bad';
  return (
    <span className={`badge badge-${tone}`} data-testid="core-state">
      {state}
    </span>
  );
}
