/**
 * The settings the dashboard's Settings view saves, in `<dataDir>/settings.json`: read at start under the command-line
 * flags (applySavedSettings), and changed live by the page (createSettingsStore). Keys are the settings schema's
 * (src/shared/settings-schema.ts: `listen`, `ignoreIps`, `sessionTimeoutSec`, as in `--config` files); files written
 * before that used other names (`apiAddress`, `ipIgnoreList`, `sessionTimeoutMs`) and are read as the new ones, and
 * the next save writes only the new names. Settings that need new listeners or a new engine take effect on the next
 * start and say so (`restartRequired`). Secrets (the API password, the Prometheus auth, the RTMP and SRT tokens) live
 * in the SecretStore. The servers', time series' and desktop settings (VIEW_KEYS) are read, checked and written from
 * the schema: the page sends them as the text a flag takes, parsed by the flags' own parsers (values.ts), so a bad
 * value gets the flag's error, under the view's label, and nothing is written.
 */
import { join } from 'node:path';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../shared/ipc.ts';
import { isSecret, settingSpec, VIEW_KEYS, type SettingSpec } from '../../shared/settings-schema.ts';
import type { AppConfig } from '../config.ts';
import { applyConfigObject, parseHostPort } from '../config.ts';
import { ConfigError, hostPortText, parseSettingText, settingText } from '../settings/values.ts';
import { writeFileAtomicSync } from '../atomic-file.ts';
import { INACTIVE_TIMEOUT_MS } from '../engine/local-core.ts';
import type { Credentials } from '../remote/client.ts';
import type { SecretStore } from '../remote/config.ts';
import type { Fleet } from '../remote/fleet.ts';
import type { Logger } from '../log.ts';
import { UiError, type AppControl } from '../ui/app-control.ts';
import { readUserJson } from './user-json.ts';

/** The settings.json layer: what the Settings view changed, applied under the command-line flags on start. */
export interface SavedSettings {
  pollIntervalMs?: number;
  units?: UnitSystem;
  /** `HOST:PORT`, as `--listen`. */
  listen?: string;
  apiAuthEnabled?: boolean;
  apiUsername?: string;
  ignoreIps?: string[];
  sessionTimeoutSec?: number;
  maxSessions?: number;
  maxBitrateMbit?: number;
  historyBackend?: 'embedded' | 'prometheus';
  prometheusUrl?: string;
  // The schema's settings the view edits (VIEW_KEYS), in a --config file's form: addresses as `HOST:PORT` or `off`.
  rtmp?: string;
  rtmpApp?: string;
  rtmpWriteHoldMs?: number;
  srt?: string;
  memfsMaxMb?: number;
  diskDir?: string;
  ffmpeg?: string;
  timeseries?: boolean;
  timeseriesIntervalSec?: number;
  timeseriesRawHours?: number;
  timeseriesMinuteDays?: number;
  timeseriesHourDays?: number;
  timeseriesMaxMb?: number;
  /** Desktop (the Electron shell reads them at start, src/main/shell/prefs.ts). */
  startHidden?: boolean;
  trayScaleMbit?: number;
}

export const SETTINGS_FILE = 'settings.json';

/** The keys settings.json used before the schema, with the conversion to the new key's unit. */
const OLD_KEYS: ReadonlyArray<{ old: string; key: keyof SavedSettings; convert?: (v: number) => number }> = [
  { old: 'apiAddress', key: 'listen' },
  { old: 'ipIgnoreList', key: 'ignoreIps' },
  { old: 'sessionTimeoutMs', key: 'sessionTimeoutSec', convert: (ms) => ms / 1000 },
];

/**
 * A settings.json object under the schema's names: an old key is read as its new one (converted to the new unit)
 * unless the new one is there too. Values are checked where they are applied (applySavedSettings).
 */
export function migrateSavedSettings(raw: Record<string, unknown>): SavedSettings {
  const out: Record<string, unknown> = { ...raw };
  for (const { old, key, convert } of OLD_KEYS) {
    if (!(old in out)) continue;
    const value = out[old];
    delete out[old];
    if (out[key] !== undefined) continue;
    out[key] = convert && typeof value === 'number' ? convert(value) : value;
  }
  return out as SavedSettings;
}

/** The saved settings of a data dir ({} when missing or not an object; a corrupt file is moved aside and logged). */
export function loadSavedSettings(dataDir: string, log?: Logger): SavedSettings {
  const v = readUserJson(join(dataDir, SETTINGS_FILE), (detail) => log?.warn('settings.json is not valid JSON: moved it aside; the defaults and flags apply', detail));
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? migrateSavedSettings(v as Record<string, unknown>) : {};
}

/** The secret-store key of the local API's own credentials (remote Cores use their core id). */
export const API_SECRET_KEY = 'local-api';
/** The secret-store key of the Prometheus history backend's auth (`USER:PASS` or `Bearer TOKEN`, as the password). */
export const PROMETHEUS_SECRET_KEY = 'prometheus-history';
/** The secret-store key of a schema secret the view saves (`setting:rtmpToken`), kept as the password. */
export const secretKeyOf = (key: string): string => `setting:${key}`;

/** The view's schema settings (VIEW_KEYS) with their specs. */
const VIEW_SPECS: readonly SettingSpec[] = VIEW_KEYS.map((k) => settingSpec(k)!);
const VIEW_SECRETS = VIEW_SPECS.filter(isSecret);

/** The secrets the saved settings refer to, from the secret store (missing or unreadable: undefined). */
export interface SavedSecrets {
  apiCredentials?: Credentials;
  prometheusAuth?: string;
  /** The view's schema secrets (`rtmpToken`, `srtToken`) by key. */
  values?: Record<string, string>;
}

/** Reads the secrets applySavedSettings needs; a store that cannot be read gives none (the flags still apply). */
export async function loadSavedSecrets(secrets: SecretStore): Promise<SavedSecrets> {
  const apiCredentials = await secrets.get(API_SECRET_KEY).catch(() => undefined);
  const prometheus = await secrets.get(PROMETHEUS_SECRET_KEY).catch(() => undefined);
  const values: Record<string, string> = {};
  for (const spec of VIEW_SECRETS) {
    const stored = await secrets.get(secretKeyOf(spec.key)).catch(() => undefined);
    if (stored !== undefined && stored.password !== '') values[spec.key] = stored.password;
  }
  return { apiCredentials, prometheusAuth: prometheus?.password, values };
}

/**
 * A value the page sent for a view setting, checked with the flag's parser: what settings.json keeps (a --config
 * file's form; undefined: back to the default). Throws a UiError naming the setting by its label.
 */
function parseViewValue(spec: SettingSpec, raw: string | boolean): string | number | boolean | undefined {
  if (spec.kind === 'boolean') {
    if (typeof raw !== 'boolean') throw new UiError('invalid-argument', `${spec.label}: expected on or off`);
    return raw;
  }
  if (typeof raw !== 'string') throw new UiError('invalid-argument', `${spec.label}: expected text`);
  const text = raw.trim();
  if (spec.kind === 'string' && text === '') return undefined;
  let value: unknown;
  try {
    value = parseSettingText(spec, text, spec.label);
  } catch (err) {
    if (err instanceof ConfigError) throw new UiError('invalid-argument', err.message);
    throw err;
  }
  if (spec.kind === 'number' || spec.kind === 'integer') return value as number;
  return spec.kind === 'hostPortOrOff' ? (settingText(spec, value) as string) : text;
}

/** A Prometheus base URL as the Settings view may save it: http(s) with a host. */
function isPrometheusUrl(url: string): boolean {
  return /^https?:\/\/[^/]/.test(url);
}

/**
 * Applies saved settings to a config built from the defaults, before flags and --config are applied on top
 * (src/main/headless.ts passes the result to parseArgs as the base). A saved value that is not valid keeps the default.
 */
export function applySavedSettings(config: AppConfig, saved: SavedSettings, { apiCredentials, prometheusAuth, values }: SavedSecrets): AppConfig {
  const c = { ...config };
  if (typeof saved.pollIntervalMs === 'number' && saved.pollIntervalMs >= 100) c.pollIntervalMs = saved.pollIntervalMs;
  if (typeof saved.listen === 'string') {
    try {
      c.listen = parseHostPort(saved.listen, 'settings.json listen');
    } catch {
      // A broken saved address keeps the default.
    }
  }
  if (saved.apiAuthEnabled === true && apiCredentials && apiCredentials.username !== '' && apiCredentials.password !== '') c.auth = { ...apiCredentials };
  if (Array.isArray(saved.ignoreIps) && saved.ignoreIps.every((s) => typeof s === 'string')) c.ignoreIps = [...saved.ignoreIps];
  if (typeof saved.sessionTimeoutSec === 'number' && saved.sessionTimeoutSec >= 1) c.sessionTimeoutSec = saved.sessionTimeoutSec;
  if (typeof saved.maxSessions === 'number' && saved.maxSessions >= 0) c.maxSessions = Math.floor(saved.maxSessions);
  if (typeof saved.maxBitrateMbit === 'number' && saved.maxBitrateMbit >= 0) c.maxBitrateMbit = saved.maxBitrateMbit;
  if (typeof saved.prometheusUrl === 'string' && (saved.prometheusUrl === '' || isPrometheusUrl(saved.prometheusUrl))) c.prometheusUrl = saved.prometheusUrl;
  if (saved.historyBackend === 'embedded' || (saved.historyBackend === 'prometheus' && isPrometheusUrl(c.prometheusUrl))) c.historyBackend = saved.historyBackend;
  if (prometheusAuth !== undefined) c.prometheusAuth = prometheusAuth;
  const record = saved as Record<string, unknown>;
  for (const spec of VIEW_SPECS) {
    if (isSecret(spec) || record[spec.key] === undefined || !(spec.key in c)) continue;
    try {
      // The --config reader: the same parser and checks as the flag.
      applyConfigObject(c, { [spec.key]: record[spec.key] }, 'settings.json');
    } catch {
      // A broken saved value keeps the default.
    }
  }
  for (const [key, value] of Object.entries(values ?? {})) (c as unknown as Record<string, unknown>)[key] = value;
  return c;
}

/** The Settings view's side of AppControl. */
export type SettingsStore = Required<Pick<AppControl, 'getSettings' | 'updateSettings' | 'onSettingsChanged'>>;

export interface SettingsStoreOptions {
  config: AppConfig;
  /** The remote Cores that follow a new default poll interval. */
  fleet: Fleet;
  secrets: SecretStore;
  log: Logger;
  /** What a flag, the --config file or the environment set at this start, by key (ParsedFlags.setBy); they win over settings.json. */
  setAtStart?: Record<string, string>;
}

/** Reads settings.json once, then keeps it and the page in step. */
export function createSettingsStore({ config, fleet, secrets, log, setAtStart: given = {} }: SettingsStoreOptions): SettingsStore {
  // `--auth` is the view's login fields.
  const setAtStart = given.auth === undefined ? given : { ...given, apiAuthEnabled: given.auth, apiUsername: given.auth };
  const settingsFile = join(config.dataDir, SETTINGS_FILE);
  let saved = loadSavedSettings(config.dataDir, log);
  /** The view's schema settings as this run uses them (the desktop ones, which AppConfig has not, as read at start). */
  const runningValues: Record<string, string | boolean> = {};
  for (const spec of VIEW_SPECS) {
    const fromConfig = spec.key in config;
    const value = fromConfig ? (config as unknown as Record<string, unknown>)[spec.key] : (saved as Record<string, unknown>)[spec.key];
    // Unsaved desktop entries run with their defaults, documented as `0 (follow the peak)` or `off`.
    const byDefault = spec.kind === 'boolean' ? false : spec.defaultText.split(' ')[0]!;
    runningValues[spec.key] = isSecret(spec) ? '' : value === undefined ? byDefault : settingText(spec, value);
  }
  /** The view's secrets that have a value, and those changed since the start (applied at the next one). */
  const secretsSet = new Set(VIEW_SECRETS.filter((s) => (config as unknown as Record<string, unknown>)[s.key] !== '').map((s) => s.key));
  const secretsChanged = new Set<string>();
  let apiHasPassword = config.auth !== null;
  let prometheusHasAuth = config.prometheusAuth !== '';
  const listeners = new Set<(s: AppSettings) => void>();
  // The secret store is asynchronous: whether an API password is stored is learnt on the first read.
  const passwordKnown = secrets
    .get(API_SECRET_KEY)
    .then((stored) => {
      apiHasPassword = apiHasPassword || stored !== undefined;
    })
    .catch(() => undefined);
  const secretsKnown = loadSavedSecrets(secrets).then((stored) => {
    for (const key of Object.keys(stored.values ?? {})) secretsSet.add(key);
  });

  /** A saved value, as the view shows it (the flag's text). */
  const savedValue = (spec: SettingSpec): string | boolean | undefined => {
    const v = (saved as Record<string, unknown>)[spec.key];
    if (v === undefined) return undefined;
    return spec.kind === 'boolean' ? v === true : String(v);
  };

  /** The restart-bound settings as this run uses them. */
  const running = {
    listen: hostPortText(config.listen),
    apiAuthEnabled: config.auth !== null,
    apiUsername: config.auth?.username ?? '',
    ignoreIps: config.ignoreIps,
    sessionTimeoutSec: config.sessionTimeoutSec,
    maxSessions: config.maxSessions,
    maxBitrateMbit: config.maxBitrateMbit,
    historyBackend: config.historyBackend,
    prometheusUrl: config.prometheusUrl,
  };

  /** What the view shows: a setting given at start shows the value it runs with; the others what was saved, else what runs. */
  const shown = <K extends keyof typeof running>(k: K): (typeof running)[K] => (k in setAtStart ? running[k] : ((saved[k] as (typeof running)[K] | undefined) ?? running[k]));

  function settings(): AppSettings {
    const values: Record<string, string | boolean> = {};
    for (const spec of VIEW_SPECS) values[spec.key] = spec.key in setAtStart ? runningValues[spec.key]! : (savedValue(spec) ?? runningValues[spec.key]!);
    // Saved values that differ from what this run uses take effect at the next start; one given at start wins over its saved value, so it is not listed.
    const pending = (Object.keys(running) as Array<keyof typeof running>).filter((k) => saved[k] !== undefined && JSON.stringify(saved[k]) !== JSON.stringify(running[k]));
    for (const spec of VIEW_SPECS) {
      const v = savedValue(spec);
      if ((v !== undefined && v !== runningValues[spec.key]) || secretsChanged.has(spec.key)) pending.push(spec.key as keyof typeof running);
    }
    return {
      pollIntervalMs: saved.pollIntervalMs ?? config.pollIntervalMs,
      listen: shown('listen'),
      apiAuthEnabled: shown('apiAuthEnabled'),
      apiUsername: shown('apiUsername'),
      apiHasPassword,
      ignoreIps: shown('ignoreIps'),
      sessionTimeoutSec: shown('sessionTimeoutSec'),
      inactiveTimeoutSec: INACTIVE_TIMEOUT_MS / 1000,
      maxSessions: shown('maxSessions'),
      maxBitrateMbit: shown('maxBitrateMbit'),
      units: saved.units ?? 'decimal',
      historyBackend: shown('historyBackend'),
      prometheusUrl: shown('prometheusUrl'),
      prometheusHasAuth,
      values,
      secretsSet: VIEW_SECRETS.filter((s) => secretsSet.has(s.key)).map((s) => s.key),
      setAtStart: { ...setAtStart },
      restartRequired: pending.filter((k) => !(k in setAtStart)),
    };
  }

  async function updateSettings(patch: AppSettingsPatch): Promise<AppSettings> {
    await passwordKnown;
    await secretsKnown;
    const next: SavedSettings = { ...saved };
    // The schema's settings first, all checked before anything is written (the secrets are stored further down).
    const secretPatch: Array<[string, string]> = [];
    for (const [key, raw] of Object.entries(patch.values ?? {})) {
      const spec = VIEW_KEYS.includes(key) ? settingSpec(key) : undefined;
      if (spec === undefined) throw new UiError('invalid-argument', `unknown setting "${key}"`);
      if (isSecret(spec)) {
        if (typeof raw !== 'string') throw new UiError('invalid-argument', `${spec.label}: expected text`);
        secretPatch.push([key, raw]);
        continue;
      }
      const value = parseViewValue(spec, raw);
      if (value === undefined) delete (next as Record<string, unknown>)[key];
      else (next as Record<string, unknown>)[key] = value;
    }
    // The older fields' numbers and address: the flags' parsers and ranges too, under the view's labels.
    for (const key of ['pollIntervalMs', 'listen', 'sessionTimeoutSec', 'maxSessions', 'maxBitrateMbit'] as const) {
      if (patch[key] !== undefined) parseViewValue(settingSpec(key)!, String(patch[key]));
    }
    if (patch.listen !== undefined) next.listen = patch.listen;
    if (patch.apiUsername !== undefined) {
      if (patch.apiUsername.includes(':')) throw new UiError('invalid-argument', 'the API user name cannot contain ":"');
      next.apiUsername = patch.apiUsername;
    }
    if (patch.apiAuthEnabled !== undefined) next.apiAuthEnabled = patch.apiAuthEnabled;
    if (patch.ignoreIps !== undefined) next.ignoreIps = patch.ignoreIps;
    if (patch.sessionTimeoutSec !== undefined) next.sessionTimeoutSec = patch.sessionTimeoutSec;
    if (patch.maxSessions !== undefined) next.maxSessions = patch.maxSessions;
    if (patch.maxBitrateMbit !== undefined) next.maxBitrateMbit = patch.maxBitrateMbit;
    if (patch.units !== undefined) next.units = patch.units;
    if (patch.prometheusUrl !== undefined) {
      const url = patch.prometheusUrl.trim();
      if (url !== '' && !isPrometheusUrl(url)) throw new UiError('invalid-argument', `the Prometheus URL must start with http:// or https:// and name a host, got "${url}"`);
      next.prometheusUrl = url;
    }
    if (patch.historyBackend !== undefined) {
      if (patch.historyBackend !== 'embedded' && patch.historyBackend !== 'prometheus') throw new UiError('invalid-argument', 'the history backend is "embedded" or "prometheus"');
      if (patch.historyBackend === 'prometheus' && !isPrometheusUrl(next.prometheusUrl ?? config.prometheusUrl)) {
        throw new UiError('invalid-argument', 'a Prometheus history needs the Prometheus URL (e.g. http://127.0.0.1:9090)');
      }
      next.historyBackend = patch.historyBackend;
    }
    if (patch.prometheusAuth !== undefined) {
      if (patch.prometheusAuth === '') await secrets.delete(PROMETHEUS_SECRET_KEY);
      else await secrets.set(PROMETHEUS_SECRET_KEY, { username: '', password: patch.prometheusAuth });
      prometheusHasAuth = patch.prometheusAuth !== '';
    }
    if (patch.apiPassword !== undefined || patch.apiUsername !== undefined) {
      const stored = await secrets.get(API_SECRET_KEY);
      const password = patch.apiPassword ?? stored?.password ?? '';
      if (password === '') {
        await secrets.delete(API_SECRET_KEY);
        apiHasPassword = false;
      } else {
        await secrets.set(API_SECRET_KEY, { username: next.apiUsername ?? config.auth?.username ?? '', password });
        apiHasPassword = true;
      }
    }
    for (const [key, secret] of secretPatch) {
      if (secret === '') await secrets.delete(secretKeyOf(key));
      else await secrets.set(secretKeyOf(key), { username: '', password: secret });
      if (secret === '') secretsSet.delete(key);
      else secretsSet.add(key);
      secretsChanged.add(key);
    }
    if (patch.pollIntervalMs !== undefined) {
      next.pollIntervalMs = patch.pollIntervalMs;
      // Live: every remote Core that used the old default follows the new one.
      const oldDefault = saved.pollIntervalMs ?? config.pollIntervalMs;
      for (const c of fleet.remoteConfigs()) {
        if ((c.intervalMs ?? oldDefault) === oldDefault) await fleet.updateCore(c.id, { intervalMs: patch.pollIntervalMs });
      }
    }
    try {
      writeFileAtomicSync(settingsFile, JSON.stringify(next, null, 2) + '\n', 0o600);
    } catch (err) {
      throw new UiError('io', `could not save the settings: ${(err as Error).message}`);
    }
    saved = next;
    const s = settings();
    for (const cb of [...listeners]) cb(s);
    return s;
  }

  return {
    async getSettings() {
      await passwordKnown;
      await secretsKnown;
      return settings();
    },
    updateSettings,
    onSettingsChanged(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
  };
}
