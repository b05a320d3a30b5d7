import { useEffect, useState } from 'react';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../../shared/ipc.ts';
import { formatBitrate, formatBytes } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { AutostartSetting } from '../components/AutostartSetting.tsx';

/** The names the restart notice gives the restart-bound settings (AppSettings keys). */
const SETTING_LABEL: Record<string, string> = {
  listen: 'API address',
  apiAuthEnabled: 'Require login',
  apiUsername: 'API user name',
  ignoreIps: 'Ignored IPs',
  sessionTimeoutSec: 'Session timeout',
  maxSessions: 'Max sessions',
  maxBitrateMbit: 'Max bitrate',
  historyBackend: 'History backend',
  prometheusUrl: 'Prometheus URL',
};

interface Form {
  pollIntervalS: string;
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
}

function toForm(s: AppSettings): Form {
  return {
    pollIntervalS: String(s.pollIntervalMs / 1000),
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
  };
}

function toPatch(f: Form): AppSettingsPatch {
  const num = (v: string, name: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${name}: enter a number ≥ 0`);
    return n;
  };
  const patch: AppSettingsPatch = {
    pollIntervalMs: Math.round(num(f.pollIntervalS, 'Poll interval') * 1000),
    listen: f.listen.trim(),
    apiAuthEnabled: f.apiAuthEnabled,
    apiUsername: f.apiUsername.trim(),
    ignoreIps: f.ignoreIps.split(/[\s,]+/).filter((s) => s !== ''),
    sessionTimeoutSec: num(f.sessionTimeoutSec, 'Session timeout'),
    maxSessions: Math.round(num(f.maxSessions, 'Max sessions')),
    maxBitrateMbit: Math.round(num(f.maxBitrateMbit, 'Max bitrate')),
    historyBackend: f.historyBackend,
    prometheusUrl: f.prometheusUrl.trim(),
  };
  if (f.apiPassword !== '') patch.apiPassword = f.apiPassword;
  if (f.prometheusAuth !== '') patch.prometheusAuth = f.prometheusAuth;
  return patch;
}

export function Settings(): React.JSX.Element {
  const settings = useApp((s) => s.settings);
  const units = useApp((s) => s.units);
  const setUnits = useApp((s) => s.setUnits);
  const updateSettings = useApp((s) => s.updateSettings);
  const loadSettings = useApp((s) => s.loadSettings);
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
    if (!form) return;
    try {
      const saved = await updateSettings(toPatch(form));
      setForm(toForm(saved));
      const restart = saved.restartRequired?.length ? ` Restart needed for: ${saved.restartRequired.map((k) => SETTING_LABEL[k] ?? k).join(', ')}.` : '';
      setStatus({ ok: true, text: `Saved.${restart}` });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };

  const text = (k: keyof Form, label: string, help: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}): React.JSX.Element => (
    <label className="field">
      <span>{label}</span>
      <input {...props} value={form![k] as string} onChange={(e) => setForm({ ...form!, [k]: e.target.value })} data-testid={`settings-${k}`} />
      <small className="muted help">{help}</small>
    </label>
  );

  return (
    <section className="view settings" data-testid="view-settings">
      <div className="settings-grid">
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
        </div>
        <AutostartSetting />
      </div>
      {!form ? (
        <p className="muted">{settings === null ? 'Settings are not available here.' : 'Loading…'}</p>
      ) : (
        <form
          className="settings-form"
          data-testid="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="settings-grid">
            <fieldset className="panel form">
              <h2>Remote Cores</h2>
              {text('pollIntervalS', 'Poll interval (s)', 'How often each remote Core is asked for its sessions, unless the Core sets its own.', { type: 'number', min: '0.25', step: '0.25' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>Local API</h2>
              {text('listen', 'Address (host:port)', 'Where the API and this dashboard listen; off loopback it needs a login. Takes effect at the next start.', { placeholder: '127.0.0.1:8787' })}
              <label className="check">
                <input type="checkbox" checked={form.apiAuthEnabled} onChange={(e) => setForm({ ...form, apiAuthEnabled: e.target.checked })} data-testid="settings-apiAuthEnabled" />
                Require login
              </label>
              {text('apiUsername', 'Username', 'The login for the API and the dashboard.', { autoComplete: 'off' })}
              {text('apiPassword', 'Password', 'Kept in the secret store; leave empty to keep the current one.', { type: 'password', autoComplete: 'new-password', placeholder: settings?.apiHasPassword ? '(unchanged)' : '' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>Sessions</h2>
              <label className="field">
                <span>IP ignore list (CIDRs, one a line)</span>
                <textarea rows={4} value={form.ignoreIps} onChange={(e) => setForm({ ...form, ignoreIps: e.target.value })} data-testid="settings-ignoreIps" />
              </label>
              {text('sessionTimeoutSec', 'Session timeout (s)', 'How long an HLS viewer without requests still counts (Core: 30 s).', { type: 'number', min: '1', step: '1' })}
              {text('inactiveTimeoutSec', 'Inactive timeout (s)', 'How long a connection without bytes waits before it ends (fixed, as Core).', { type: 'number', readOnly: true })}
              {text('maxSessions', 'Max sessions (0 = no limit)', 'New HLS viewers beyond this get HTTP 509, as Core does.', { type: 'number', min: '0', step: '1' })}
              {text('maxBitrateMbit', 'Max tx bitrate, Mbit/s (0 = no limit)', 'New viewers are refused once egress would pass this.', { type: 'number', min: '0', step: '1' })}
            </fieldset>
            <fieldset className="panel form">
              <h2>History</h2>
              <label className="field">
                <span>History backend</span>
                <select value={form.historyBackend} onChange={(e) => setForm({ ...form, historyBackend: e.target.value as Form['historyBackend'] })} data-testid="settings-historyBackend">
                  <option value="embedded">Embedded (timeseries.sqlite in the data dir)</option>
                  <option value="prometheus">Prometheus-compatible query API</option>
                </select>
                <small className="muted help">Where the history charts and the traffic report read from. Takes effect at the next start.</small>
              </label>
              {text('prometheusUrl', 'Prometheus URL', 'Base URL of Prometheus, VictoriaMetrics, Thanos or Mimir, e.g. http://127.0.0.1:9090.', { placeholder: 'http://127.0.0.1:9090' })}
              {text('prometheusAuth', 'Prometheus auth', 'USER:PASS for basic auth or "Bearer TOKEN"; kept in the secret store.', {
                type: 'password',
                autoComplete: 'off',
                placeholder: settings?.prometheusHasAuth ? '(unchanged)' : 'none',
              })}
            </fieldset>
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" data-testid="settings-save">
              Save
            </button>
            <button type="button" onClick={() => settings && setForm(toForm(settings))}>
              Revert
            </button>
            {status && <p className={status.ok ? 'ok-text' : 'error-text'}>{status.text}</p>}
          </div>
        </form>
      )}
    </section>
  );
}
