import { useState } from 'react';
import { fromLocalInput, RANGE_CHOICES, resolveRange, toLocalInput, type TimeRange } from '../timeseries/range.ts';

/**
 * Live 10 min, 1 h, 24 h, 7 d, 30 d or custom: one row of buttons; custom opens two local date-time fields. Used by
 * the Overview and by a stream's page (`idPrefix` keeps their test ids apart).
 */
export function TimeRangePicker({ value, onChange, idPrefix = 'range' }: { value: TimeRange; onChange: (r: TimeRange) => void; idPrefix?: string }): React.JSX.Element {
  const [draft, setDraft] = useState<{ from: string; to: string } | null>(null);
  const openCustom = (): void => {
    const { fromMs, toMs } = resolveRange(value.key === 'live' ? { key: '1h' } : value, Date.now());
    setDraft({ from: toLocalInput(fromMs), to: toLocalInput(toMs) });
  };
  const apply = (): void => {
    if (!draft) return;
    const fromMs = fromLocalInput(draft.from);
    const toMs = fromLocalInput(draft.to);
    if (fromMs === null || toMs === null || toMs <= fromMs) return;
    onChange({ key: 'custom', fromMs, toMs });
    setDraft(null);
  };
  const badDraft = draft !== null && !((fromLocalInput(draft.from) ?? Infinity) < (fromLocalInput(draft.to) ?? -Infinity));
  return (
    <span className="range-picker">
      <span className="tabs" role="tablist" aria-label="Time range">
        {RANGE_CHOICES.map((c) => (
          <button
            type="button"
            role="tab"
            key={c.key}
            aria-selected={value.key === c.key}
            data-testid={`${idPrefix}-${c.key}`}
            onClick={() => (c.key === 'custom' ? openCustom() : (setDraft(null), onChange({ key: c.key })))}
          >
            {c.label}
          </button>
        ))}
      </span>
      {draft && (
        <span className="range-custom">
          <input type="datetime-local" aria-label="From" data-testid={`${idPrefix}-from`} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
          <span>–</span>
          <input type="datetime-local" aria-label="To" data-testid={`${idPrefix}-to`} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
          <button type="button" onClick={apply} disabled={badDraft} data-testid={`${idPrefix}-apply`}>
            Show
          </button>
        </span>
      )}
    </span>
  );
}
