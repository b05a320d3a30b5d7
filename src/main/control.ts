/**
 * The running app's AppControl (src/main/ui/app-control.ts): remote Cores and settings managed from the dashboard.
 * Remote Cores are saved in `<dataDir>/cores.json` (no secrets); their passwords go to a SecretStore (Electron
 * safeStorage in the app; an owner-only file headless). Settings are saved in `<dataDir>/settings.json`; those that
 * need new listeners or a new engine take effect on the next start and say so (`restartRequired`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppSettings, AppSettingsPatch, CoreTestResult, RemoteCoreConfig as RemoteCoreView, UnitSystem } from '../shared/ipc.ts';
import type { AppConfig } from './config.ts';
import { parseCredentials, parseHostPort } from './config.ts';
import { writeFileAtomicSync } from './atomic-file.ts';
import type { Clock } from './engine/types.ts';
import { INACTIVE_TIMEOUT_MS } from './engine/local-core.ts';
import { CoreClient } from './remote/client.ts';
import { RemoteError } from './remote/errors.ts';
import { defaultCoreId, type Fleet, type RemoteCoreConfig } from './remote/fleet.ts';
import { UiError, type AppControl } from './ui/app-control.ts';
import type { Logger } from './log.ts';

/** Where secrets live, by key (a remote Core's id, or `api` for the local API password). */
export interface SecretStore {
  get(key: string): string | undefined;
  set(key: string, secret: string): void;
  delete(key: string): void;
}

/** Secrets in memory only (used when nothing better is given; nothing is written). */
export function memorySecretStore(): SecretStore {
  const map = new Map<string, string>();
  return { get: (k) => map.get(k), set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}

/** What cores.json holds per remote Core: never a password. */
interface SavedCore {
  id: string;
  url: string;
  name?: string;
  username?: string;
  intervalMs?: number;
  enabled?: boolean;
}

/** The settings.json layer: what the Settings view changed, applied under the command-line flags on start. */
export interface SavedSettings {
  pollIntervalMs?: number;
  units?: UnitSystem;
  apiAddress?: string;
  apiAuthEnabled?: boolean;
  apiUsername?: string;
  ipIgnoreList?: string[];
  sessionTimeoutMs?: number;
  maxSessions?: number;
  maxBitrateMbit?: number;
}

export const SETTINGS_FILE = 'settings.json';
export const CORES_FILE = 'cores.json';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function loadSavedSettings(dataDir: string): SavedSettings {
  const v = readJson(join(dataDir, SETTINGS_FILE));
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as SavedSettings) : {};
}

/**
 * Applies saved settings to a config built from the defaults, before flags and --config are applied on top
 * (src/main/headless.ts passes the result to parseArgs as the base).
 */
export function applySavedSettings(config: AppConfig, saved: SavedSettings, secrets: SecretStore | undefined): AppConfig {
  const c = { ...config };
  if (typeof saved.pollIntervalMs === 'number' && saved.pollIntervalMs >= 100) c.pollIntervalMs = saved.pollIntervalMs;
  if (typeof saved.apiAddress === 'string') {
    try {
      c.listen = parseHostPort(saved.apiAddress, 'settings.json apiAddress');
    } catch {
      // A broken saved address keeps the default.
    }
  }
  const password = secrets?.get('api');
  if (saved.apiAuthEnabled === true && typeof saved.apiUsername === 'string' && saved.apiUsername !== '' && password) {
    c.auth = { username: saved.apiUsername, password };
  }
  if (Array.isArray(saved.ipIgnoreList) && saved.ipIgnoreList.every((s) => typeof s === 'string')) c.ignoreCidrs = [...saved.ipIgnoreList];
  if (typeof saved.sessionTimeoutMs === 'number' && saved.sessionTimeoutMs >= 1000) c.sessionTimeoutSec = saved.sessionTimeoutMs / 1000;
  if (typeof saved.maxSessions === 'number' && saved.maxSessions >= 0) c.maxSessions = Math.floor(saved.maxSessions);
  if (typeof saved.maxBitrateMbit === 'number' && saved.maxBitrateMbit >= 0) c.maxBitrateMbit = saved.maxBitrateMbit;
  return c;
}

export interface AppControlOptions {
  config: AppConfig;
  fleet: Fleet;
  clock: Clock;
  log: Logger;
  secrets?: SecretStore;
}

export interface RunningControl extends AppControl {
  /** Adds the Cores of cores.json and of --core flags to the fleet. */
  restoreCores(): Promise<void>;
}

function checkUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UiError('invalid-argument', `not a URL: "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UiError('invalid-argument', 'a Core URL must start with http:// or https://');
  return u;
}

/** Splits `http://user:pass@host:port/path` into a clean base URL and credentials. */
export function splitCoreUrl(raw: string): { url: string; credentials?: { username: string; password: string } } {
  const u = checkUrl(raw);
  const username = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const url = u.toString().replace(/\/+$/, '');
  return username !== '' ? { url, credentials: { username, password } } : { url };
}

export function createAppControl(options: AppControlOptions): RunningControl {
  const { config, fleet, clock, log } = options;
  const secrets = options.secrets ?? memorySecretStore();
  const coresFile = join(config.dataDir, CORES_FILE);
  const settingsFile = join(config.dataDir, SETTINGS_FILE);
  const usernames = new Map<string, string>();
  let saved = loadSavedSettings(config.dataDir);
  const settingsListeners = new Set<(s: AppSettings) => void>();

  const view = (c: ReturnType<Fleet['remoteConfigs']>[number]): RemoteCoreView => ({
    id: c.id,
    name: c.name ?? c.id,
    url: c.url,
    username: usernames.get(c.id) ?? '',
    hasPassword: c.hasCredentials,
    pollIntervalMs: c.intervalMs ?? config.pollIntervalMs,
    enabled: c.enabled !== false,
  });

  function saveCores(): void {
    const list: SavedCore[] = fleet.remoteConfigs().map((c) => ({
      id: c.id,
      url: c.url,
      name: c.name,
      username: usernames.get(c.id),
      intervalMs: c.intervalMs,
      enabled: c.enabled,
    }));
    try {
      writeFileAtomicSync(coresFile, JSON.stringify({ cores: list }, null, 2) + '\n', 0o600);
    } catch (err) {
      log.warn('could not save the list of remote Cores', { file: coresFile, error: String(err) });
    }
  }

  function credentialsFor(id: string, username: string | undefined, password: string | undefined): { username: string; password: string } | undefined {
    if (!username) return undefined;
    const pw = password ?? secrets.get(id);
    return pw === undefined ? undefined : { username, password: pw };
  }

  function settings(): AppSettings {
    return {
      pollIntervalMs: saved.pollIntervalMs ?? config.pollIntervalMs,
      apiAddress: saved.apiAddress ?? `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`,
      apiAuthEnabled: saved.apiAuthEnabled ?? config.auth !== null,
      apiUsername: saved.apiUsername ?? config.auth?.username ?? '',
      apiHasPassword: secrets.get('api') !== undefined || config.auth !== null,
      ipIgnoreList: saved.ipIgnoreList ?? config.ignoreCidrs,
      sessionTimeoutMs: saved.sessionTimeoutMs ?? config.sessionTimeoutSec * 1000,
      inactiveTimeoutMs: INACTIVE_TIMEOUT_MS,
      maxSessions: saved.maxSessions ?? config.maxSessions,
      maxBitrateMbit: saved.maxBitrateMbit ?? config.maxBitrateMbit,
      units: saved.units ?? 'decimal',
      restartRequired: (['apiAddress', 'apiAuthEnabled', 'apiUsername', 'ipIgnoreList', 'sessionTimeoutMs', 'maxSessions', 'maxBitrateMbit'] as const).filter(
        (k) => saved[k] !== undefined,
      ),
    };
  }

  return {
    async restoreCores() {
      const file = readJson(coresFile) as { cores?: SavedCore[] } | undefined;
      for (const c of Array.isArray(file?.cores) ? file.cores : []) {
        if (typeof c?.id !== 'string' || typeof c.url !== 'string') continue;
        try {
          if (c.username) usernames.set(c.id, c.username);
          fleet.addCore({ id: c.id, url: c.url, name: c.name, credentials: credentialsFor(c.id, c.username, undefined), intervalMs: c.intervalMs ?? config.pollIntervalMs, enabled: c.enabled });
        } catch (err) {
          log.warn('skipping a saved remote Core', { id: c.id, error: (err as Error).message });
        }
      }
      for (const raw of config.cores) {
        try {
          const { url, credentials } = splitCoreUrl(raw);
          const id = defaultCoreId(url);
          if (fleet.remoteConfigs().some((c) => c.id === id)) continue;
          fleet.addCore({ id, url, credentials: credentials ?? fileCredentials(url), intervalMs: config.pollIntervalMs });
          if (credentials) usernames.set(id, credentials.username);
        } catch (err) {
          log.warn('skipping --core', { error: (err as Error).message });
        }
      }
    },

    async listCores() {
      return fleet.remoteConfigs().map(view);
    },

    async addCore(input) {
      const { url, credentials } = splitCoreUrl(input.url);
      const username = input.username ?? credentials?.username;
      const password = input.password ?? credentials?.password;
      let id = defaultCoreId(url);
      for (let i = 2; fleet.remoteConfigs().some((c) => c.id === id); i++) id = `${defaultCoreId(url)}-${i}`;
      const config2: RemoteCoreConfig = {
        id,
        url,
        name: input.name || undefined,
        credentials: username && password !== undefined ? { username, password } : undefined,
        intervalMs: input.pollIntervalMs ?? config.pollIntervalMs,
        enabled: input.enabled,
      };
      fleet.addCore(config2);
      if (username) usernames.set(id, username);
      if (password !== undefined && username) secrets.set(id, password);
      saveCores();
      return view(fleet.remoteConfigs().find((c) => c.id === id)!);
    },

    async updateCore(id, input) {
      const current = fleet.remoteConfigs().find((c) => c.id === id);
      if (!current) throw new UiError('not-found', `no remote Core "${id}"`);
      const { url } = splitCoreUrl(input.url);
      const username = input.username ?? usernames.get(id);
      if (input.password === '') secrets.delete(id);
      else if (input.password !== undefined) secrets.set(id, input.password);
      if (username) usernames.set(id, username);
      else usernames.delete(id);
      await fleet.updateCore(id, {
        url,
        name: input.name || undefined,
        credentials: input.password === '' ? undefined : credentialsFor(id, username, input.password),
        intervalMs: input.pollIntervalMs ?? current.intervalMs,
        enabled: input.enabled ?? current.enabled,
      });
      saveCores();
      return view(fleet.remoteConfigs().find((c) => c.id === id)!);
    },

    async removeCore(id) {
      if (!(await fleet.removeCore(id))) throw new UiError('not-found', `no remote Core "${id}"`);
      secrets.delete(id);
      usernames.delete(id);
      saveCores();
    },

    async testCore(input, id) {
      const { url, credentials } = splitCoreUrl(input.url);
      const username = input.username ?? credentials?.username ?? (id ? usernames.get(id) : undefined);
      const password = input.password ?? credentials?.password ?? (id ? secrets.get(id) : undefined);
      const client = new CoreClient({
        url,
        credentials: username && password !== undefined ? { username, password } : undefined,
        clock,
        log,
      });
      const t0 = clock.now();
      try {
        const about = await client.identify();
        const result: CoreTestResult = { ok: true, state: 'online', coreId: about.id, name: about.name, version: about.version, rttMs: clock.now() - t0 };
        return result;
      } catch (err) {
        const kind = err instanceof RemoteError ? err.kind : 'network';
        const state = kind === 'auth' ? 'auth-failed' : kind === 'incompatible' ? 'incompatible' : 'unreachable';
        return { ok: false, state, error: (err as Error).message };
      } finally {
        await client.close();
      }
    },

    async getSettings() {
      return settings();
    },

    async updateSettings(patch: AppSettingsPatch) {
      const next: SavedSettings = { ...saved };
      if (patch.apiAddress !== undefined) {
        try {
          parseHostPort(patch.apiAddress, 'API address');
        } catch (err) {
          throw new UiError('invalid-argument', (err as Error).message);
        }
        next.apiAddress = patch.apiAddress;
      }
      if (patch.apiPassword !== undefined) {
        if (patch.apiPassword === '') secrets.delete('api');
        else secrets.set('api', patch.apiPassword);
      }
      if (patch.apiUsername !== undefined) {
        if (patch.apiUsername.includes(':')) parseCredentials(`${patch.apiUsername}:x`, 'API user');
        next.apiUsername = patch.apiUsername;
      }
      if (patch.apiAuthEnabled !== undefined) next.apiAuthEnabled = patch.apiAuthEnabled;
      if (patch.ipIgnoreList !== undefined) next.ipIgnoreList = patch.ipIgnoreList;
      if (patch.sessionTimeoutMs !== undefined) next.sessionTimeoutMs = patch.sessionTimeoutMs;
      if (patch.maxSessions !== undefined) next.maxSessions = patch.maxSessions;
      if (patch.maxBitrateMbit !== undefined) next.maxBitrateMbit = patch.maxBitrateMbit;
      if (patch.units !== undefined) next.units = patch.units;
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
      for (const cb of [...settingsListeners]) cb(s);
      return s;
    },

    onSettingsChanged(callback) {
      settingsListeners.add(callback);
      return () => settingsListeners.delete(callback);
    },
  };

  /** Credentials for a --core URL from --core-credentials FILE (`{"<url>": {"username","password"}}`). */
  function fileCredentials(url: string): { username: string; password: string } | undefined {
    if (!config.coreCredentialsFile) return undefined;
    const all = readJson(config.coreCredentialsFile) as Record<string, { username?: unknown; password?: unknown }> | undefined;
    const entry = all?.[url] ?? all?.[url + '/'];
    if (entry && typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
    if (all === undefined) log.warn('could not read --core-credentials', { file: config.coreCredentialsFile });
    return undefined;
  }
}
