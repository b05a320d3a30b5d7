interface Props {
  options: readonly { value: string; label: string; count?: number }[];
  /** Selected values; empty means "all". */
  selected: readonly string[];
  onToggle: (value: string) => void;
  onAll: () => void;
  testIdPrefix: string;
}

/** Multi-select chips with an "All" chip; nothing selected means everything is shown. */
export function Chips({ options, selected, onToggle, onAll, testIdPrefix }: Props): React.JSX.Element {
  return (
    <div className="chips" role="group" aria-label="Collectors">
      <button type="button" className="chip" aria-pressed={selected.length === 0} data-testid={`${testIdPrefix}-all`} onClick={onAll}>
        All
      </button>
      {options.map((o) => (
        <button
          type="button"
          key={o.value}
          className="chip"
          aria-pressed={selected.includes(o.value)}
          data-testid={`${testIdPrefix}-${o.value}`}
          onClick={() => onToggle(o.value)}
        >
          {o.label}
          {o.count !== undefined && <span className="chip-count">{o.count}</span>}
        </button>
      ))}
    </div>
  );
}
