/**
 * The settings the dashboard's Settings view saves, in `<dataDir>/settings.json`: read at start under the command-line
 * flags (applySavedSettings), and changed live by the page (createSettingsStore). Keys are the settings schema's
 * (src/shared/settings-schema.ts: `listen`, `ignoreIps`, `sessionTimeoutSec`, as in `--config` files); files written
 * before that used other names (`apiAddress`, `ipIgnoreList`, `sessionTimeoutMs`) and are read as the new ones, and
 * the next save writes only the new names. Settings that need new listeners or a new engine take effect on the next
 * start and say so (`restartRequired`). Secrets (the API password, the Prometheus auth, the RTMP and SRT tokens) live
 * in the SecretStore. Every setting the view edits (VIEW_KEYS) takes one path, from the schema: the page sends it as
 * the text a flag takes, parsed by the flags' own parsers (values.ts), so a bad value gets the flag's error, under the
 * view's label, and nothing is written; the next start reads settings.json with the --config reader.
 */
import { join } from 'node:path';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../shared/ipc.ts';
import { isSecret, settingSpec, VIEW_KEYS, type SettingSpec } from '../../shared/settings-schema.ts';
import type { AppConfig } from '../config.ts';
import { applyConfigObject, defaultConfig } from '../config.ts';
import { ConfigError, parseSettingText, settingText } from '../settings/values.ts';
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

/** The secret-store key of the local API's own credentials (remote Cores use their core id); the API password's. */
export const API_SECRET_KEY = 'local-api';
/** The secret-store key of the Prometheus history backend's auth (`USER:PASS` or `Bearer TOKEN`, as the password). */
export const PROMETHEUS_SECRET_KEY = 'prometheus-history';
/**
 * Where the secret store keeps a view secret (as the password): the API password and the Prometheus auth under the
 * keys they always had, the others under `setting:KEY` (`setting:rtmpToken`).
 */
export const secretKeyOf = (key: string): string => (key === 'apiPassword' ? API_SECRET_KEY : key === 'prometheusAuth' ? PROMETHEUS_SECRET_KEY : `setting:${key}`);

/** The view's settings (VIEW_KEYS) with their specs. */
const VIEW_SPECS: readonly SettingSpec[] = VIEW_KEYS.map((k) => settingSpec(k)!);
const VIEW_SECRETS = VIEW_SPECS.filter(isSecret);
const DEFAULTS = defaultConfig() as unknown as Record<string, unknown>;

/** The secrets the saved settings refer to, from the secret store (missing or unreadable: undefined). */
export interface SavedSecrets {
  /** The API login as stored with its password (the user name as it was saved then). */
  apiCredentials?: Credentials;
  /** The view's secrets that have a value, by key (`prometheusAuth`, `rtmpToken`, `apiPassword`). */
  values?: Record<string, string>;
}

/** Reads the secrets applySavedSettings needs; a store that cannot be read gives none (the flags still apply). */
export async function loadSavedSecrets(secrets: SecretStore): Promise<SavedSecrets> {
  const apiCredentials = await secrets.get(API_SECRET_KEY).catch(() => undefined);
  const values: Record<string, string> = {};
  for (const spec of VIEW_SECRETS) {
    const stored = await secrets.get(secretKeyOf(spec.key)).catch(() => undefined);
    if (stored !== undefined && stored.password !== '') values[spec.key] = stored.password;
  }
  return { apiCredentials, values };
}

/**
 * A value the page sent for a view setting, checked with the flag's parser: what settings.json keeps (a --config
 * file's form: numbers as numbers, lists as arrays, addresses as `HOST:PORT` or `off`; undefined: back to the
 * default). Throws a UiError naming the setting by its label.
 */
function parseViewValue(spec: SettingSpec, raw: string | boolean): string | number | boolean | string[] | undefined {
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
  if (spec.kind === 'number' || spec.kind === 'integer' || spec.kind === 'list') return value as number | string[];
  return spec.kind === 'hostPortOrOff' || spec.kind === 'hostPort' ? (settingText(spec, value) as string) : text;
}

/** A Prometheus base URL as the Settings view may save it: http(s) with a host. */
function isPrometheusUrl(url: string): boolean {
  return /^https?:\/\/[^/]/.test(url);
}

/**
 * Applies saved settings to a config built from the defaults, before flags and --config are applied on top
 * (src/main/headless.ts passes the result to parseArgs as the base). Each saved key goes through the --config reader
 * (the flag's parser and checks); a saved value that is not valid keeps the default.
 */
export function applySavedSettings(config: AppConfig, saved: SavedSettings, { apiCredentials, values }: SavedSecrets): AppConfig {
  const c = { ...config };
  const record = saved as Record<string, unknown>;
  for (const spec of VIEW_SPECS) {
    if (isSecret(spec) || record[spec.key] === undefined || !(spec.key in c)) continue;
    try {
      applyConfigObject(c, { [spec.key]: record[spec.key] }, 'settings.json');
    } catch {
      // A broken saved value keeps the default.
    }
  }
  // What the reader leaves to validateConfig, which would refuse the start: a saved URL that is not http(s), a
  // Prometheus history without one.
  if (c.prometheusUrl !== '' && !isPrometheusUrl(c.prometheusUrl)) c.prometheusUrl = config.prometheusUrl;
  if (c.historyBackend === 'prometheus' && !isPrometheusUrl(c.prometheusUrl)) c.historyBackend = config.historyBackend;
  if (saved.apiAuthEnabled === true && apiCredentials && apiCredentials.username !== '' && apiCredentials.password !== '') c.auth = { ...apiCredentials };
  for (const [key, value] of Object.entries(values ?? {})) if (key in c) (c as unknown as Record<string, unknown>)[key] = value;
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
  const setAtStart = given.auth === undefined ? given : { ...given, apiAuthEnabled: given.auth, apiUsername: given.auth, apiPassword: given.auth };
  const settingsFile = join(config.dataDir, SETTINGS_FILE);
  let saved = loadSavedSettings(config.dataDir, log);
  const record = (): Record<string, unknown> => saved as Record<string, unknown>;

  /** A setting's value as this run uses it (typed). */
  const runningValue = (spec: SettingSpec): unknown => {
    if (spec.key === 'apiAuthEnabled') return config.auth !== null;
    if (spec.key === 'apiUsername') return config.auth?.username ?? '';
    if (spec.key === 'inactiveTimeoutSec') return INACTIVE_TIMEOUT_MS / 1000;
    if (spec.key in config) return (config as unknown as Record<string, unknown>)[spec.key];
    // The view's own (units, the desktop entries): as read from settings.json at start, else the schema's default.
    return record()[spec.key] ?? spec.default;
  };
  /** The view's settings as this run uses them, as the flags' text (a secret ''); `appliesAtOnce` ones follow a save. */
  const runningValues: Record<string, string | boolean> = {};
  for (const spec of VIEW_SPECS) runningValues[spec.key] = isSecret(spec) ? '' : settingText(spec, runningValue(spec));
  /** What a setting goes back to when set to '' (the key leaves settings.json). */
  const defaultValue = (spec: SettingSpec): string | boolean => settingText(spec, spec.key in DEFAULTS ? DEFAULTS[spec.key] : spec.default);
  /** Settings set back to their default since the start (absent from settings.json, but not what runs). */
  const reset = new Set<string>();

  /** The view's secrets that have a value, and those changed since the start (applied at the next one). */
  const secretsSet = new Set(
    VIEW_SECRETS.filter((s) => (s.key === 'apiPassword' ? config.auth !== null : (config as unknown as Record<string, unknown>)[s.key] !== '')).map((s) => s.key),
  );
  const secretsChanged = new Set<string>();
  const listeners = new Set<(s: AppSettings) => void>();
  // The secret store is asynchronous: which secrets are stored is learnt on the first read.
  const secretsKnown = loadSavedSecrets(secrets).then((stored) => {
    for (const key of Object.keys(stored.values ?? {})) secretsSet.add(key);
  });

  /** A saved value, as the view shows it (the flag's text); a setting reset this run shows its default. */
  const savedValue = (spec: SettingSpec): string | boolean | undefined => {
    const v = record()[spec.key];
    if (v === undefined) return reset.has(spec.key) ? defaultValue(spec) : undefined;
    if (spec.kind === 'boolean') return v === true;
    return Array.isArray(v) ? v.join(',') : String(v);
  };

  function settings(): AppSettings {
    const values: Record<string, string | boolean> = {};
    // A setting given at start shows the value it runs with; the others what was saved, else what runs.
    for (const spec of VIEW_SPECS) values[spec.key] = isSecret(spec) ? '' : spec.key in setAtStart ? runningValues[spec.key]! : (savedValue(spec) ?? runningValues[spec.key]!);
    // Saved values that differ from what this run uses take effect at the next start; one given at start wins over
    // its saved value, so it is not listed.
    const pending = VIEW_SPECS.filter((spec) => {
      if (spec.key in setAtStart || spec.appliesAtOnce) return false;
      if (isSecret(spec)) return secretsChanged.has(spec.key);
      const v = savedValue(spec);
      return v !== undefined && v !== runningValues[spec.key];
    }).map((spec) => spec.key);
    return {
      values,
      secretsSet: VIEW_SECRETS.filter((s) => secretsSet.has(s.key)).map((s) => s.key),
      setAtStart: { ...setAtStart },
      restartRequired: pending,
    };
  }

  async function updateSettings(patch: AppSettingsPatch): Promise<AppSettings> {
    await secretsKnown;
    const next: Record<string, unknown> = { ...saved };
    const resetNow: string[] = [];
    // Every value checked before anything is written (the secrets are stored further down).
    const secretPatch = new Map<string, string>();
    for (const [key, raw] of Object.entries(patch.values ?? {})) {
      const spec = VIEW_KEYS.includes(key) ? settingSpec(key) : undefined;
      if (spec === undefined) throw new UiError('invalid-argument', `unknown setting "${key}"`);
      if (spec.readOnly) throw new UiError('invalid-argument', `${spec.label}: fixed, it cannot be changed`);
      if (isSecret(spec)) {
        if (typeof raw !== 'string') throw new UiError('invalid-argument', `${spec.label}: expected text`);
        secretPatch.set(key, raw);
        continue;
      }
      const value = parseViewValue(spec, raw);
      if (value === undefined) {
        delete next[key];
        resetNow.push(key);
      } else next[key] = value;
    }
    const changes = (key: string): boolean => patch.values !== undefined && key in patch.values;
    /** A text setting as it will be after this patch ('' when set back to its default). */
    const nextText = (key: string, running: string): string =>
      typeof next[key] === 'string' ? (next[key] as string) : resetNow.includes(key) || reset.has(key) ? '' : running;
    if (typeof next.apiUsername === 'string' && next.apiUsername.includes(':')) throw new UiError('invalid-argument', `${settingSpec('apiUsername')!.label}: the API user name cannot contain ":"`);
    const loginOn = (next.apiAuthEnabled as boolean | undefined) ?? config.auth !== null;
    if (changes('apiPassword') && secretPatch.get('apiPassword') === '' && loginOn) {
      throw new UiError('invalid-argument', 'Password: needed while "Require login" is on; switch the login off to remove it');
    }
    if (changes('apiAuthEnabled') && next.apiAuthEnabled === true) {
      const username = nextText('apiUsername', config.auth?.username ?? '');
      const password = secretPatch.get('apiPassword') ?? (secretsSet.has('apiPassword') ? 'set' : '');
      if (username === '' || password === '') throw new UiError('invalid-argument', 'Require login: needs a user name and a password');
    }
    const url = nextText('prometheusUrl', config.prometheusUrl);
    if (changes('prometheusUrl') && url !== '' && !isPrometheusUrl(url)) {
      throw new UiError('invalid-argument', `Prometheus URL: must start with http:// or https:// and name a host, got "${url}"`);
    }
    if ((changes('historyBackend') || changes('prometheusUrl')) && ((next.historyBackend as string | undefined) ?? config.historyBackend) === 'prometheus' && !isPrometheusUrl(url)) {
      throw new UiError('invalid-argument', 'History backend: a Prometheus history needs the Prometheus URL (e.g. http://127.0.0.1:9090)');
    }

    for (const [key, secret] of secretPatch) {
      // The API password is stored with the login's user name, below.
      if (key !== 'apiPassword') {
        if (secret === '') await secrets.delete(secretKeyOf(key));
        else await secrets.set(secretKeyOf(key), { username: '', password: secret });
      }
      if (secret === '') secretsSet.delete(key);
      else secretsSet.add(key);
      secretsChanged.add(key);
    }
    // The API login keeps its user name beside the password.
    if (secretPatch.has('apiPassword') || changes('apiUsername')) {
      const stored = await secrets.get(API_SECRET_KEY);
      const password = secretPatch.get('apiPassword') ?? stored?.password ?? '';
      if (password === '') await secrets.delete(API_SECRET_KEY);
      else await secrets.set(API_SECRET_KEY, { username: nextText('apiUsername', config.auth?.username ?? ''), password });
    }
    const oldPoll = Number(savedValue(settingSpec('pollIntervalMs')!) ?? runningValues.pollIntervalMs);
    try {
      writeFileAtomicSync(settingsFile, JSON.stringify(next, null, 2) + '\n', 0o600);
    } catch (err) {
      throw new UiError('io', `could not save the settings: ${(err as Error).message}`);
    }
    saved = next as SavedSettings;
    for (const key of resetNow) reset.add(key);
    for (const spec of VIEW_SPECS) if (spec.appliesAtOnce && changes(spec.key)) runningValues[spec.key] = savedValue(spec) ?? runningValues[spec.key]!;
    if (typeof next.pollIntervalMs === 'number' && next.pollIntervalMs !== oldPoll) {
      // Live: every remote Core that used the old default follows the new one.
      for (const c of fleet.remoteConfigs()) {
        if ((c.intervalMs ?? oldPoll) === oldPoll) await fleet.updateCore(c.id, { intervalMs: next.pollIntervalMs });
      }
    }
    const s = settings();
    for (const cb of [...listeners]) cb(s);
    return s;
  }

  return {
    async getSettings() {
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
