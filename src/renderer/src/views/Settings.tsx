import { useEffect, useState } from 'react';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../../shared/ipc.ts';
import { defaultTextOf, isSecret, settingSpec, VIEW_KEYS, type SettingGroup, type SettingSpec } from '../../../shared/settings-schema.ts';
import { formatBitrate, formatBytes } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { AutostartSetting } from '../components/AutostartSetting.tsx';

/** A setting's spec by key; the view only names keys the schema has (a test checks it). */
const spec = (key: string): SettingSpec => settingSpec(key)!;

/** The label the restart notice and the set-at-start notes give a setting (its schema label). */
const labelOf = (key: string): string => settingSpec(key)?.label ?? key;

/** A help line as a sentence: the schema's one line, capitalised. */
const sentence = (text: string): string => (text === '' ? '' : `${text[0]!.toUpperCase()}${text.slice(1)}.`);

/** The panels, in the view's order: each shows the VIEW_KEYS of its schema group (units have a panel of their own). */
const PANELS: ReadonlyArray<{ group: SettingGroup; title: string; desktopOnly?: boolean }> = [
  { group: 'Servers', title: 'Servers' },
  { group: 'Security', title: 'Security' },
  { group: 'Sessions & history', title: 'Sessions' },
  { group: 'Time series', title: 'Time series' },
  { group: 'Prometheus', title: 'History' },
  { group: 'Remote Cores', title: 'Remote Cores' },
  { group: 'Desktop', title: 'Desktop', desktopOnly: true },
];

/** The settings the form edits and Save sends (units are saved when chosen; a read-only one is only shown). */
const FORM_KEYS = VIEW_KEYS.filter((k) => k !== 'units' && spec(k).readOnly !== true);

interface Form {
  /** Every setting (VIEW_KEYS) as the text its flag takes (a list one a line); a secret is '' (unchanged) unless typed. */
  values: Record<string, string | boolean>;
  /** Secrets to remove on Save ("Remove on Save" beside a set one). */
  removed: string[];
}

/** A list's text as the flag takes it: comma-separated, whatever separated it in the field. */
const listText = (text: string): string => text.split(/[\s,]+/).filter((s) => s !== '').join(',');

function toForm(s: AppSettings): Form {
  const values = { ...s.values };
  // A list is edited one a line.
  for (const key of VIEW_KEYS) if (spec(key).kind === 'list' && typeof values[key] === 'string') values[key] = listText(values[key]).replace(/,/g, '\n');
  return { values, removed: [] };
}

/**
 * What the form changed against the settings it was loaded from: only those are sent (and saved), so a setting left
 * alone keeps following its default, and one given at start is not copied into settings.json. Every setting goes as
 * the text its flag takes; the server parses it with the flag's parser (its message names the field's label).
 */
function changedPatch(form: Form, loaded: AppSettings): AppSettingsPatch {
  const values: Record<string, string | boolean> = {};
  for (const key of FORM_KEYS) {
    const s = spec(key);
    let v = form.values[key];
    if (v === undefined || loaded.ownerOnly?.keys.includes(key) === true) continue;
    if (s.kind === 'list' && typeof v === 'string') v = listText(v);
    if (isSecret(s) ? v !== '' : v !== loaded.values[key]) values[key] = v;
    if (form.removed.includes(key)) values[key] = '';
  }
  return { values };
}

/** The save's status line: saved, what needs a restart, and what a setting given at start still overrides. */
function savedText(saved: AppSettings, patch: AppSettingsPatch): string {
  const restart = saved.restartRequired?.length ? ` Restart needed for: ${saved.restartRequired.map(labelOf).join(', ')}.` : '';
  const given = Object.keys(patch.values).filter((k) => k in saved.setAtStart);
  const overridden = given.map((k) => ` ${labelOf(k)}: ${saved.setAtStart[k]} at start wins; the saved value applies when started without it.`).join('');
  return `Saved.${restart}${overridden}`;
}

/** One setting from the schema: its label, input by kind (range, choices), help line, and where a start value came from. */
function SchemaField({ settingKey, form, setForm, settings }: { settingKey: string; form: Form; setForm: (f: Form) => void; settings: AppSettings }): React.JSX.Element {
  const s = spec(settingKey);
  const inputId = `setting-${settingKey}`;
  const value = form.values[settingKey];
  const set = (v: string | boolean): void => setForm({ ...form, values: { ...form.values, [settingKey]: v } });
  const testId = `settings-${settingKey}`;
  const given = settings.setAtStart[settingKey];
  const note = given !== undefined && (
    <small className="muted help set-at-start" data-testid={`${testId}-set-at-start`}>
      Set by {given} at start; the saved value applies when started without it.
    </small>
  );
  const help = (
    <small className="muted help">
      {sentence(s.help)} Default: {defaultTextOf(s)}.
    </small>
  );
  // A page without the API login may not change some settings (the limits on what clients can make the server hold,
  // the login itself, ...): the server says which and why; the page shows them read-only with that line.
  const ownerOnly = settings.ownerOnly?.keys.includes(settingKey) === true;
  const ownerNote = ownerOnly && (
    <small className="muted help" data-testid={`${testId}-owner-only`}>
      {settings.ownerOnly?.reason}
    </small>
  );
  if (s.kind === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === true} disabled={ownerOnly} onChange={(e) => set(e.target.checked)} data-testid={testId} />
          {s.label}
        </label>
        {ownerNote}
        {help}
        {note}
      </div>
    );
  }
  const props: React.InputHTMLAttributes<HTMLInputElement> = {};
  const isSet = isSecret(s) && settings.secretsSet.includes(settingKey);
  // A page without the API login may not remove some secrets: the server says which and why, and the page says so.
  const kept = isSet && settings.keptSecrets?.keys.includes(settingKey) === true;
  const removable = isSet && !kept;
  const removing = form.removed.includes(settingKey);
  if (isSecret(s)) Object.assign(props, { type: 'password', autoComplete: 'new-password', placeholder: settings.secretsSet.includes(settingKey) ? '(unchanged)' : 'none' });
  else if (s.kind === 'number' || s.kind === 'integer') Object.assign(props, { type: 'number', min: s.min, max: s.max, step: s.kind === 'integer' ? 1 : 'any', inputMode: 'decimal' });
  else Object.assign(props, { placeholder: s.arg === undefined ? undefined : defaultTextOf(s).startsWith('none') ? s.arg : defaultTextOf(s) });
  if (s.readOnly || ownerOnly) props.readOnly = true;
  return (
    <div className="field">
      <label htmlFor={inputId}>
        {s.label}
        {s.kind === 'list' && ' (one a line)'}
      </label>
      {s.kind === 'list' ? (
        <textarea id={inputId} rows={3} value={String(value ?? '')} readOnly={ownerOnly} onChange={(e) => set(e.target.value)} data-testid={testId} />
      ) : s.kind === 'choice' ? (
        <select id={inputId} value={String(value)} disabled={ownerOnly} onChange={(e) => set(e.target.value)} data-testid={testId}>
          {s.choices?.map((c) => (
            <option key={c} value={c}>
              {s.choiceText?.[c] ?? c}
            </option>
          ))}
        </select>
      ) : (
        <input {...props} id={inputId} value={String(value ?? '')} disabled={removing} onChange={(e) => set(e.target.value)} data-testid={testId} />
      )}
      {removable && (
        <label className="check">
          <input
            type="checkbox"
            checked={removing}
            onChange={(e) => setForm({ ...form, values: { ...form.values, [settingKey]: '' }, removed: e.target.checked ? [...form.removed, settingKey] : form.removed.filter((k) => k !== settingKey) })}
            data-testid={`${testId}-remove`}
          />
          Remove on Save
        </label>
      )}
      {kept && (
        <small className="muted help" data-testid={`${testId}-kept`}>
          Set. {settings.keptSecrets?.reason}
        </small>
      )}
      {ownerNote}
      {help}
      {note}
    </div>
  );
}

export function Settings(): React.JSX.Element {
  const settings = useApp((s) => s.settings);
  const units = useApp((s) => s.units);
  const setUnits = useApp((s) => s.setUnits);
  const updateSettings = useApp((s) => s.updateSettings);
  const loadSettings = useApp((s) => s.loadSettings);
  const desktop = useApp((s) => s.appInfo?.mode === 'electron');
  const [form, setForm] = useState<Form | null>(settings ? toForm(settings) : null);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => void loadSettings(), [loadSettings]);
  useEffect(() => {
    if (settings && form === null) setForm(toForm(settings));
  }, [settings, form]);

  const chooseUnits = (u: UnitSystem): void => {
    setUnits(u);
    if (settings) updateSettings({ values: { units: u } }).catch((e: unknown) => setStatus({ ok: false, text: String(e) }));
  };

  const save = async (): Promise<void> => {
    if (!form || !settings) return;
    try {
      const patch = changedPatch(form, settings);
      const saved = await updateSettings(patch);
      setForm(toForm(saved));
      setStatus({ ok: true, text: savedText(saved, patch) });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };

  /** Units apply at once (not with Save): the first panel of the grid, or alone while the form is not there. */
  const unitsPanel = (
    <div className="panel form">
      <h2>Units</h2>
      <div className="segmented" role="radiogroup" aria-label="Units">
        {(['decimal', 'binary'] as const).map((u) => (
          <label key={u} className="check">
            <input type="radio" name="units" checked={units === u} onChange={() => chooseUnits(u)} data-testid={`units-${u}`} />
            {u === 'decimal' ? `Decimal (${formatBitrate(1_500_000, 'decimal')}, ${formatBytes(2_500_000_000, 'decimal')})` : `Binary (${formatBitrate(1_500_000, 'binary')}, ${formatBytes(2_500_000_000, 'binary')})`}
          </label>
        ))}
      </div>
      <small className="muted help">{sentence(spec('units').help)}</small>
    </div>
  );

  return (
    <section className="view settings" data-testid="view-settings">
      {!form || !settings ? (
        <>
          <div className="settings-grid">{unitsPanel}</div>
          <p className="muted">{settings === null ? 'Settings are not available here.' : 'Loading…'}</p>
        </>
      ) : (
        <form
          className="settings-form"
          data-testid="settings-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="settings-grid">
            {unitsPanel}
            {PANELS.filter((p) => desktop || !p.desktopOnly).map((p) => (
              <fieldset key={p.group} className="panel form" data-testid={`settings-group-${p.group.replace(/[^A-Za-z]+/g, '-').toLowerCase()}`}>
                <h2>{p.title}</h2>
                {p.desktopOnly && <AutostartSetting />}
                {VIEW_KEYS.filter((k) => spec(k).group === p.group).map((k) => (
                  <SchemaField key={k} settingKey={k} form={form} setForm={setForm} settings={settings} />
                ))}
              </fieldset>
            ))}
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" data-testid="settings-save">
              Save
            </button>
            <button type="button" onClick={() => setForm(toForm(settings))}>
              Revert
            </button>
            {status && (
              <p className={status.ok ? 'ok-text' : 'error-text'} data-testid="settings-status" role="status">
                {status.text}
              </p>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
