import { useState } from 'react';
import { columnSpec, moveColumn, toggleColumn, type ColumnPrefs, type FittedColumns } from '../store/session-columns.ts';

/**
 * The line above the Sessions table that says which wanted columns the width left out, and the chooser that switches
 * columns on and off and moves them (the choice is remembered by the caller).
 */
export function ColumnChooser({
  columns,
  prefs,
  setPrefs,
}: {
  columns: FittedColumns;
  prefs: ColumnPrefs;
  setPrefs: (p: ColumnPrefs) => void;
}): React.JSX.Element {
  const [open, setOpen] = useState(false);
  const squeezed = new Set(columns.squeezed.map((c) => c.key));
  const redundant = new Set(columns.redundant.map((c) => c.key));
  return (
    <div className="column-bar">
      <button type="button" className="column-toggle" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="columns-button">
        Columns {open ? '▴' : '▾'}
      </button>
      {columns.squeezed.length > 0 && (
        <button type="button" className="link column-squeezed" onClick={() => setOpen(true)} data-testid="columns-squeezed" title="Widen the window or switch off other columns to show them">
          +{columns.squeezed.length} not shown for lack of width: {columns.squeezed.map((c) => c.label).join(', ')}
        </button>
      )}
      {open && (
        <div className="column-chooser panel" role="group" aria-label="Columns" data-testid="column-chooser">
          <ol>
            {prefs.order.map((key, i) => {
              const spec = columnSpec(key);
              const on = !prefs.hidden.includes(key);
              return (
                <li key={key}>
                  <label className="check">
                    <input type="checkbox" checked={on} onChange={() => setPrefs(toggleColumn(prefs, key))} data-testid={`column-${key}`} />
                    {spec.label}
                  </label>
                  {on && squeezed.has(key) && <span className="muted"> (no room)</span>}
                  {on && redundant.has(key) && <span className="muted"> (one core: hidden)</span>}
                  <span className="spacer" />
                  <button type="button" className="icon" aria-label={`Move ${spec.label} earlier (left)`} disabled={i === 0} onClick={() => setPrefs(moveColumn(prefs, key, -1))}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Move ${spec.label} later (right)`}
                    disabled={i === prefs.order.length - 1}
                    onClick={() => setPrefs(moveColumn(prefs, key, 1))}
                  >
                    ↓
                  </button>
                </li>
              );
            })}
          </ol>
          <p className="hint">Columns that do not fit give way in this order: Id, Local, the byte counts, Client, Remote and Core, Duration. rx and tx stay.</p>
        </div>
      )}
    </div>
  );
}
