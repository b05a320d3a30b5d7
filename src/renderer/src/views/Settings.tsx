import { useEffect, useState } from 'react';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../../shared/ipc.ts';
import { isSecret, settingSpec, VIEW_KEYS, type SettingGroup, type SettingSpec } from '../../../shared/settings-schema.ts';
import { formatBitrate, formatBytes } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { AutostartSetting } from '../components/AutostartSetting.tsx';

/** A setting's spec by key; the view only names keys the schema has (a test checks it). */
const spec = (key: string): SettingSpec => settingSpec(key)!;

/** The label the restart notice and the set-at-start notes give a setting (its schema label). */
const labelOf = (key: string): string => settingSpec(key)?.label ?? key;

/** A help line as a sentence: the schema's one line, capitalised. */
const sentence = (text: string): string => (text === '' ? '' : `${text[0]!.toUpperCase()}${text.slice(1)}.`);

/** The schema-driven panels, in the view's order (the keys come from VIEW_KEYS, grouped by the schema's group). */
const PANELS: ReadonlyArray<{ group: SettingGroup; title: string; desktopOnly?: boolean }> = [
  { group: 'Servers', title: 'Servers' },
  { group: 'Time series', title: 'Time series' },
  { group: 'Security', title: 'Security' },
  { group: 'Desktop', title: 'Desktop', desktopOnly: true },
];

interface Form {
  pollIntervalMs: string;
  listen: string;
  apiAuthEnabled: boolean;
  apiUsername: string;
  apiPassword: string;
  ignoreIps: string;
  sessionTimeoutSec: string;
  inactiveTimeoutSec: string;
  maxSessions: string;
  maxBitrateMbit: string;
  historyBackend: 'embedded' | 'prometheus';
  prometheusUrl: string;
  prometheusAuth: string;
  /** The schema's settings (VIEW_KEYS) as the text their flags take; a secret is '' (unchanged) unless typed. */
  values: Record<string, string | boolean>;
  /** Secrets to remove on Save ("Remove" beside a set one). */
  removed: string[];
}

function toForm(s: AppSettings): Form {
  return {
    pollIntervalMs: String(s.pollIntervalMs),
    listen: s.listen,
    apiAuthEnabled: s.apiAuthEnabled,
    apiUsername: s.apiUsername,
    apiPassword: '',
    ignoreIps: s.ignoreIps.join('\n'),
    sessionTimeoutSec: String(s.sessionTimeoutSec),
    inactiveTimeoutSec: String(s.inactiveTimeoutSec),
    maxSessions: String(s.maxSessions),
    maxBitrateMbit: String(s.maxBitrateMbit),
    historyBackend: s.historyBackend,
    prometheusUrl: s.prometheusUrl,
    prometheusAuth: '',
    values: { ...s.values },
    removed: [],
  };
}

function toPatch(f: Form): AppSettingsPatch {
  // A number at all; its range is the flag's, checked by the server (the same message as the flag's).
  const num = (v: string, key: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${labelOf(key)}: expected a number, got "${v}"`);
    return n;
  };
  const patch: AppSettingsPatch = {
    pollIntervalMs: num(f.pollIntervalMs, 'pollIntervalMs'),
    listen: f.listen.trim(),
    apiAuthEnabled: f.apiAuthEnabled,
    apiUsername: f.apiUsername.trim(),
    ignoreIps: f.ignoreIps.split(/[\s,]+/).filter((s) => s !== ''),
    sessionTimeoutSec: num(f.sessionTimeoutSec, 'sessionTimeoutSec'),
    maxSessions: num(f.maxSessions, 'maxSessions'),
    maxBitrateMbit: num(f.maxBitrateMbit, 'maxBitrateMbit'),
    historyBackend: f.historyBackend,
    prometheusUrl: f.prometheusUrl.trim(),
  };
  if (f.apiPassword !== '') patch.apiPassword = f.apiPassword;
  if (f.prometheusAuth !== '') patch.prometheusAuth = f.prometheusAuth;
  return patch;
}

/**
 * What the form changed against the settings it was loaded from: only those are sent (and saved), so a setting left
 * alone keeps following its default, and one given at start is not copied into settings.json. The schema's settings
 * go as the text their flags take; the server parses them with the flags' parsers.
 */
function changedPatch(form: Form, loaded: AppSettings): AppSettingsPatch {
  const full = toPatch(form) as Record<string, unknown>;
  const before = toPatch(toForm(loaded)) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(full)) if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
  const values: Record<string, string | boolean> = {};
  for (const key of VIEW_KEYS) {
    const v = form.values[key];
    if (v === undefined) continue;
    if (isSecret(spec(key)) ? v !== '' : v !== loaded.values[key]) values[key] = v;
    if (form.removed.includes(key)) values[key] = '';
  }
  if (Object.keys(values).length > 0) patch.values = values;
  return patch as AppSettingsPatch;
}

/** The save's status line: saved, what needs a restart, and what a setting given at start still overrides. */
function savedText(saved: AppSettings, patch: AppSettingsPatch): string {
  const restart = saved.restartRequired?.length ? ` Restart needed for: ${saved.restartRequired.map(labelOf).join(', ')}.` : '';
  const given = [...Object.keys(patch), ...Object.keys(patch.values ?? {})].filter((k) => k in saved.setAtStart);
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
      {sentence(s.help)} Default: {s.defaultText}.
    </small>
  );
  if (s.kind === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} data-testid={testId} />
          {s.label}
        </label>
        {help}
        {note}
      </div>
    );
  }
  const props: React.InputHTMLAttributes<HTMLInputElement> = {};
  const removable = isSecret(s) && settings.secretsSet.includes(settingKey);
  const removing = form.removed.includes(settingKey);
  if (isSecret(s)) Object.assign(props, { type: 'password', autoComplete: 'off', placeholder: settings.secretsSet.includes(settingKey) ? '(unchanged)' : 'none' });
  else if (s.kind === 'number' || s.kind === 'integer') Object.assign(props, { type: 'number', min: s.min, max: s.max, step: s.kind === 'integer' ? 1 : 'any', inputMode: 'decimal' });
  else Object.assign(props, { placeholder: s.arg === undefined ? undefined : s.defaultText.startsWith('none') ? s.arg : s.defaultText });
  return (
    <div className="field">
      <label htmlFor={inputId}>{s.label}</label>
      {s.kind === 'choice' ? (
        <select id={inputId} value={String(value)} onChange={(e) => set(e.target.value)} data-testid={testId}>
          {s.choices?.map((c) => (
            <option key={c} value={c}>
              {c}
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
    if (settings) updateSettings({ units: u }).catch((e: unknown) => setStatus({ ok: false, text: String(e) }));
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

  /** A field of the view's older panels, labelled and explained by the schema entry of `key`. */
  const text = (k: keyof Omit<Form, 'values' | 'removed'>, key: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}): React.JSX.Element => (
    <label className="field">
      <span>{spec(key).label}</span>
      <input {...props} value={form![k] as string} onChange={(e) => setForm({ ...form!, [k]: e.target.value })} data-testid={`settings-${k}`} />
      <small className="muted help">{sentence(spec(key).help)}</small>
      {settings?.setAtStart[key] !== undefined && (
        <small className="muted help set-at-start" data-testid={`settings-${k}-set-at-start`}>
          Set by {settings.setAtStart[key]} at start; the saved value applies when started without it.
        </small>
      )}
    </label>
  );

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
              <fieldset key={p.group} className="panel form" data-testid={`settings-group-${p.group.replace(/ /g, '-').toLowerCase()}`}>
                <h2>{p.title}</h2>
                {p.desktopOnly && <AutostartSetting />}
                {VIEW_KEYS.filter((k) => spec(k).group === p.group).map((k) => (
                  <SchemaField key={k} settingKey={k} form={form} setForm={setForm} settings={settings} />
                ))}
              </fieldset>
            ))}
            <fieldset className="panel form">
              <h2>Remote Cores</h2>
              {text('pollIntervalMs', 'pollIntervalMs', { type: 'number', min: '100', step: '100' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>Local API</h2>
              {text('listen', 'listen', { placeholder: '127.0.0.1:8787' })}
              <label className="check">
                <input type="checkbox" checked={form.apiAuthEnabled} onChange={(e) => setForm({ ...form, apiAuthEnabled: e.target.checked })} data-testid="settings-apiAuthEnabled" />
                {spec('apiAuthEnabled').label}
              </label>
              {text('apiUsername', 'apiUsername', { autoComplete: 'off' })}
              {text('apiPassword', 'apiPassword', { type: 'password', autoComplete: 'new-password', placeholder: settings.apiHasPassword ? '(unchanged)' : '' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>Sessions</h2>
              <label className="field">
                <span>{spec('ignoreIps').label} (one a line)</span>
                <textarea rows={4} value={form.ignoreIps} onChange={(e) => setForm({ ...form, ignoreIps: e.target.value })} data-testid="settings-ignoreIps" />
                <small className="muted help">{sentence(spec('ignoreIps').help)}</small>
              </label>
              {text('sessionTimeoutSec', 'sessionTimeoutSec', { type: 'number', min: '1', step: '1' })}
              {text('inactiveTimeoutSec', 'inactiveTimeoutSec', { type: 'number', readOnly: true })}
              {text('maxSessions', 'maxSessions', { type: 'number', min: '0', step: '1' })}
              {text('maxBitrateMbit', 'maxBitrateMbit', { type: 'number', min: '0', step: 'any' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>History</h2>
              <label className="field">
                <span>{spec('historyBackend').label}</span>
                <select value={form.historyBackend} onChange={(e) => setForm({ ...form, historyBackend: e.target.value as Form['historyBackend'] })} data-testid="settings-historyBackend">
                  <option value="embedded">Embedded (timeseries.sqlite in the data dir)</option>
                  <option value="prometheus">Prometheus-compatible query API</option>
                </select>
                <small className="muted help">{sentence(spec('historyBackend').help)}</small>
              </label>
              {text('prometheusUrl', 'prometheusUrl', { placeholder: 'http://127.0.0.1:9090' })}
              {text('prometheusAuth', 'prometheusAuth', { type: 'password', autoComplete: 'off', placeholder: settings.prometheusHasAuth ? '(unchanged)' : 'none' })}
            </fieldset>
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
