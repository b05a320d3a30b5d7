import type { CoreInfo } from '../../../shared/types.ts';

/** The "which cores" picker of the Overview, Sessions and History views: fixed choices first, then every core. */
export function CoreSelect(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Leading choices such as "All cores (merged)", as [value, text] pairs. */
  choices: ReadonlyArray<readonly [string, string]>;
  cores: readonly Pick<CoreInfo, 'id' | 'name'>[];
  testId: string;
}): React.JSX.Element {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        {props.choices.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
        {props.cores.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
