/**
 * The settings the dashboard's Settings view saves, in `<dataDir>/settings.json`: read at start under the command-line
 * flags (applySavedSettings), and changed live by the page (createSettingsStore). Keys are the settings schema's
 * (src/shared/settings-schema.ts: `listen`, `ignoreIps`, `sessionTimeoutSec`, as in `--config` files); files written
 * before that used other names (`apiAddress`, `ipIgnoreList`, `sessionTimeoutMs`) and are read as the new ones, and
 * the next save writes only the new names. Settings that need new listeners or a new engine take effect on the next
 * start and say so (`restartRequired`). Secrets (the API password, the Prometheus auth) live in the SecretStore.
 */
import { join } from 'node:path';
import type { AppSettings, AppSettingsPatch, UnitSystem } from '../../shared/ipc.ts';
import type { AppConfig } from '../config.ts';
import { parseHostPort } from '../config.ts';
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

/** The secrets the saved settings refer to, from the secret store (missing or unreadable: undefined). */
export interface SavedSecrets {
  apiCredentials?: Credentials;
  prometheusAuth?: string;
}

/** Reads the secrets applySavedSettings needs; a store that cannot be read gives none (the flags still apply). */
export async function loadSavedSecrets(secrets: SecretStore): Promise<SavedSecrets> {
  const apiCredentials = await secrets.get(API_SECRET_KEY).catch(() => undefined);
  const prometheus = await secrets.get(PROMETHEUS_SECRET_KEY).catch(() => undefined);
  return { apiCredentials, prometheusAuth: prometheus?.password };
}

/** A Prometheus base URL as the Settings view may save it: http(s) with a host. */
function isPrometheusUrl(url: string): boolean {
  return /^https?:\/\/[^/]/.test(url);
}

/**
 * Applies saved settings to a config built from the defaults, before flags and --config are applied on top
 * (src/main/headless.ts passes the result to parseArgs as the base). A saved value that is not valid keeps the default.
 */
export function applySavedSettings(config: AppConfig, saved: SavedSettings, { apiCredentials, prometheusAuth }: SavedSecrets): AppConfig {
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
}

/** `HOST:PORT` of a listener, IPv6 hosts bracketed. */
function hostPortText({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Reads settings.json once, then keeps it and the page in step. */
export function createSettingsStore({ config, fleet, secrets, log }: SettingsStoreOptions): SettingsStore {
  const settingsFile = join(config.dataDir, SETTINGS_FILE);
  let saved = loadSavedSettings(config.dataDir, log);
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

  function settings(): AppSettings {
    return {
      pollIntervalMs: saved.pollIntervalMs ?? config.pollIntervalMs,
      listen: saved.listen ?? running.listen,
      apiAuthEnabled: saved.apiAuthEnabled ?? running.apiAuthEnabled,
      apiUsername: saved.apiUsername ?? running.apiUsername,
      apiHasPassword,
      ignoreIps: saved.ignoreIps ?? running.ignoreIps,
      sessionTimeoutSec: saved.sessionTimeoutSec ?? running.sessionTimeoutSec,
      inactiveTimeoutSec: INACTIVE_TIMEOUT_MS / 1000,
      maxSessions: saved.maxSessions ?? running.maxSessions,
      maxBitrateMbit: saved.maxBitrateMbit ?? running.maxBitrateMbit,
      units: saved.units ?? 'decimal',
      historyBackend: saved.historyBackend ?? running.historyBackend,
      prometheusUrl: saved.prometheusUrl ?? running.prometheusUrl,
      prometheusHasAuth,
      // Saved values that differ from what this run uses: they take effect at the next start (unless a flag overrides them).
      restartRequired: (Object.keys(running) as Array<keyof typeof running>).filter(
        (k) => saved[k] !== undefined && JSON.stringify(saved[k]) !== JSON.stringify(running[k]),
      ),
    };
  }

  async function updateSettings(patch: AppSettingsPatch): Promise<AppSettings> {
    await passwordKnown;
    const next: SavedSettings = { ...saved };
    if (patch.listen !== undefined) {
      try {
        parseHostPort(patch.listen, 'API address');
      } catch (err) {
        throw new UiError('invalid-argument', (err as Error).message);
      }
      next.listen = patch.listen;
    }
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
      return settings();
    },
    updateSettings,
    onSettingsChanged(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
  };
}
