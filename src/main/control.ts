/**
 * The running app's AppControl (src/main/ui/app-control.ts): remote Cores and settings managed from the dashboard.
 * Remote Cores are saved in `<dataDir>/cores.json` (no secrets); their passwords go to a SecretStore (Electron
 * safeStorage in the app; an owner-only file headless). Settings are saved in `<dataDir>/settings.json`; those that
 * need new listeners or a new engine take effect on the next start and say so (`restartRequired`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppSettings, AppSettingsPatch, ClusterNodeInfo, CoreTestResult, RemoteCoreConfig as RemoteCoreView, UnitSystem } from '../shared/ipc.ts';
import type { AppConfig } from './config.ts';
import { parseHostPort } from './config.ts';
import { LOCAL_CORE_ID, type CoreInfo } from '../shared/types.ts';
import { moveAsideCorrupt, writeFileAtomicSync } from './atomic-file.ts';
import type { Clock } from './engine/types.ts';
import { INACTIVE_TIMEOUT_MS } from './engine/local-core.ts';
import { CoreClient, type Credentials } from './remote/client.ts';
import { loadRemoteCores, MemorySecretStore, parseCoreUrl, RemoteConfigError, type SecretStore } from './remote/config.ts';
import { RemoteError } from './remote/errors.ts';
import { defaultCoreId, OtherHostsError, type Fleet, type RemoteCoreConfig } from './remote/fleet.ts';
import { UiError, type AppControl } from './ui/app-control.ts';
import type { Logger } from './log.ts';

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
  historyBackend?: 'embedded' | 'prometheus';
  prometheusUrl?: string;
}

export const SETTINGS_FILE = 'settings.json';
export const CORES_FILE = 'cores.json';

/**
 * A JSON file of the user's (settings, remote Cores), or undefined when it is missing. A file that exists but is not
 * valid JSON is moved aside (`<file>.corrupt-<time>`) and reported through `onCorrupt`, so the next save cannot
 * overwrite what the user may want back.
 */
function readJson(path: string, onCorrupt?: (detail: Record<string, unknown>) => void): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    try {
      const movedTo = moveAsideCorrupt(path, Date.now());
      onCorrupt?.({ file: path, movedTo, reason: (err as Error).message });
    } catch (moveErr) {
      onCorrupt?.({ file: path, reason: (err as Error).message, moveError: String(moveErr) });
    }
    return undefined;
  }
}

export function loadSavedSettings(dataDir: string): SavedSettings {
  const v = readJson(join(dataDir, SETTINGS_FILE));
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as SavedSettings) : {};
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
 * (src/main/headless.ts passes the result to parseArgs as the base). `apiCredentials` comes from the secret store.
 */
export function applySavedSettings(config: AppConfig, saved: SavedSettings, { apiCredentials, prometheusAuth }: SavedSecrets): AppConfig {
  const c = { ...config };
  if (typeof saved.pollIntervalMs === 'number' && saved.pollIntervalMs >= 100) c.pollIntervalMs = saved.pollIntervalMs;
  if (typeof saved.apiAddress === 'string') {
    try {
      c.listen = parseHostPort(saved.apiAddress, 'settings.json apiAddress');
    } catch {
      // A broken saved address keeps the default.
    }
  }
  if (saved.apiAuthEnabled === true && apiCredentials && apiCredentials.username !== '' && apiCredentials.password !== '') c.auth = { ...apiCredentials };
  if (Array.isArray(saved.ipIgnoreList) && saved.ipIgnoreList.every((s) => typeof s === 'string')) c.ignoreIps = [...saved.ipIgnoreList];
  if (typeof saved.sessionTimeoutMs === 'number' && saved.sessionTimeoutMs >= 1000) c.sessionTimeoutSec = saved.sessionTimeoutMs / 1000;
  if (typeof saved.maxSessions === 'number' && saved.maxSessions >= 0) c.maxSessions = Math.floor(saved.maxSessions);
  if (typeof saved.maxBitrateMbit === 'number' && saved.maxBitrateMbit >= 0) c.maxBitrateMbit = saved.maxBitrateMbit;
  if (typeof saved.prometheusUrl === 'string' && (saved.prometheusUrl === '' || isPrometheusUrl(saved.prometheusUrl))) c.prometheusUrl = saved.prometheusUrl;
  if (saved.historyBackend === 'embedded' || (saved.historyBackend === 'prometheus' && isPrometheusUrl(c.prometheusUrl))) c.historyBackend = saved.historyBackend;
  if (prometheusAuth !== undefined) c.prometheusAuth = prometheusAuth;
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
  /** Adds the Cores of cores.json and of --core/--core-credentials to the fleet. */
  restoreCores(): Promise<void>;
}

/** A Core URL from the page: a clear UiError instead of a RemoteConfigError. */
/** Two base URLs of the same Core: scheme, host and port (default ports filled in) and path, case-insensitive host. */
function sameCoreUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const port = (u: URL): string => u.port || (u.protocol === 'https:' ? '443' : '80');
    const path = (u: URL): string => u.pathname.replace(/\/+$/, '');
    return x.protocol === y.protocol && x.hostname.toLowerCase() === y.hostname.toLowerCase() && port(x) === port(y) && path(x) === path(y);
  } catch {
    return false;
  }
}

function coreUrl(raw: string): { url: string; credentials?: Credentials } {
  try {
    return parseCoreUrl(raw);
  } catch (err) {
    throw new UiError('invalid-argument', err instanceof RemoteConfigError ? err.message : String(err));
  }
}

/** A remote Core's failure as a page error (`remote-auth`, `remote-network`, ...); anything else unchanged. */
function pageError(err: unknown): unknown {
  return err instanceof RemoteError ? new UiError(`remote-${err.kind}`, err.message) : err;
}

export function createAppControl(options: AppControlOptions): RunningControl {
  const { config, fleet, clock, log } = options;
  const secrets = options.secrets ?? new MemorySecretStore();
  const coresFile = join(config.dataDir, CORES_FILE);
  const settingsFile = join(config.dataDir, SETTINGS_FILE);
  /** Login names of remote Cores (shown in the UI; the passwords stay in the secret store). */
  const usernames = new Map<string, string>();
  let saved = loadSavedSettings(config.dataDir);
  let apiHasPassword = config.auth !== null;
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

  const configOf = (id: string): ReturnType<Fleet['remoteConfigs']>[number] | undefined => fleet.remoteConfigs().find((c) => c.id === id);

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

  /** The restart-bound settings as this run uses them. */
  const running = {
    apiAddress: `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`,
    apiAuthEnabled: config.auth !== null,
    apiUsername: config.auth?.username ?? '',
    ipIgnoreList: config.ignoreIps,
    sessionTimeoutMs: config.sessionTimeoutSec * 1000,
    maxSessions: config.maxSessions,
    maxBitrateMbit: config.maxBitrateMbit,
    historyBackend: config.historyBackend,
    prometheusUrl: config.prometheusUrl,
  };
  let prometheusHasAuth = config.prometheusAuth !== '';

  function settings(): AppSettings {
    return {
      pollIntervalMs: saved.pollIntervalMs ?? config.pollIntervalMs,
      apiAddress: saved.apiAddress ?? running.apiAddress,
      apiAuthEnabled: saved.apiAuthEnabled ?? config.auth !== null,
      apiUsername: saved.apiUsername ?? config.auth?.username ?? '',
      apiHasPassword,
      ipIgnoreList: saved.ipIgnoreList ?? config.ignoreIps,
      sessionTimeoutMs: saved.sessionTimeoutMs ?? config.sessionTimeoutSec * 1000,
      inactiveTimeoutMs: INACTIVE_TIMEOUT_MS,
      maxSessions: saved.maxSessions ?? config.maxSessions,
      maxBitrateMbit: saved.maxBitrateMbit ?? config.maxBitrateMbit,
      units: saved.units ?? 'decimal',
      historyBackend: saved.historyBackend ?? config.historyBackend,
      prometheusUrl: saved.prometheusUrl ?? config.prometheusUrl,
      prometheusHasAuth,
      // Saved values that differ from what this run uses: they take effect at the next start (unless a flag overrides them).
      restartRequired: (Object.keys(running) as Array<keyof typeof running>).filter(
        (k) => saved[k] !== undefined && JSON.stringify(saved[k]) !== JSON.stringify(running[k]),
      ),
    };
  }

  return {
    async restoreCores() {
      apiHasPassword = apiHasPassword || (await secrets.get(API_SECRET_KEY)) !== undefined;
      const file = readJson(coresFile, (detail) => log.warn('cores.json is not valid JSON: moved it aside; the remote Cores it listed are not restored', detail)) as { cores?: SavedCore[] } | undefined;
      for (const c of Array.isArray(file?.cores) ? file.cores : []) {
        if (typeof c?.id !== 'string' || typeof c.url !== 'string') continue;
        try {
          const credentials = await secrets.get(c.id);
          if (c.username) usernames.set(c.id, c.username);
          fleet.addCore({ id: c.id, url: c.url, name: c.name, credentials, intervalMs: c.intervalMs ?? config.pollIntervalMs, enabled: c.enabled });
        } catch (err) {
          log.warn('skipping a saved remote Core', { id: c.id, error: (err as Error).message });
        }
      }
      // --core and --core-credentials: for this run only (not written to cores.json or the secret store).
      const flagged = await loadRemoteCores({ cores: config.cores, credentialsFile: config.coreCredentialsFile ?? undefined, secrets, log });
      for (const c of flagged) {
        if (configOf(c.id)) continue;
        fleet.addCore({ ...c, intervalMs: c.intervalMs ?? config.pollIntervalMs });
        if (c.credentials) usernames.set(c.id, c.credentials.username);
      }
    },

    async listCores() {
      return fleet.remoteConfigs().map(view);
    },

    async addCore(input) {
      const { url, credentials } = coreUrl(input.url);
      // One Core, one entry: the same address again is refused, naming the Core that has it.
      const twin = fleet.remoteConfigs().find((c) => sameCoreUrl(c.url, url));
      if (twin) throw new UiError('duplicate', `this Core is already watched as "${fleet.cores().find((c) => c.id === twin.id)?.name ?? twin.id}" (${twin.url})`);
      const username = input.username ?? credentials?.username;
      const password = input.password ?? credentials?.password;
      const base = defaultCoreId(url);
      let id = base;
      for (let i = 2; configOf(id) || id === LOCAL_CORE_ID; i++) id = `${base}-${i}`;
      const login = username && password !== undefined ? { username, password } : undefined;
      const core: RemoteCoreConfig = { id, url, name: input.name || undefined, credentials: login, intervalMs: input.pollIntervalMs ?? config.pollIntervalMs, enabled: input.enabled };
      fleet.addCore(core);
      if (username) usernames.set(id, username);
      if (login) await secrets.set(id, login);
      saveCores();
      return view(configOf(id)!);
    },

    async updateCore(id, input) {
      const current = configOf(id);
      if (!current) throw new UiError('not-found', `no remote Core "${id}"`);
      const { url } = coreUrl(input.url);
      const username = input.username ?? usernames.get(id);
      let login: Credentials | undefined;
      if (input.password === '' || !username) await secrets.delete(id);
      else if (input.password !== undefined) {
        login = { username, password: input.password };
        await secrets.set(id, login);
      } else {
        // The password is kept when it is not retyped: from the secret store, or (a --core Core, whose password is
        // not stored) from the running fleet.
        const stored = (await secrets.get(id)) ?? fleet.credentialsOf(id);
        login = stored ? { username, password: stored.password } : undefined;
        if (login) await secrets.set(id, login);
      }
      if (username) usernames.set(id, username);
      else usernames.delete(id);
      await fleet.updateCore(id, {
        url,
        name: input.name || undefined,
        credentials: login,
        intervalMs: input.pollIntervalMs ?? current.intervalMs,
        enabled: input.enabled ?? current.enabled,
      });
      saveCores();
      return view(configOf(id)!);
    },

    async removeCore(id) {
      if (!(await fleet.removeCore(id))) throw new UiError('not-found', `no remote Core "${id}"`);
      await secrets.delete(id);
      usernames.delete(id);
      saveCores();
    },

    async testCore(input, id) {
      const { url, credentials } = coreUrl(input.url);
      const stored = id ? await secrets.get(id) : undefined;
      const username = input.username ?? credentials?.username ?? (id ? usernames.get(id) : undefined);
      const password = input.password ?? credentials?.password ?? stored?.password;
      const client = new CoreClient({ url, credentials: username && password !== undefined ? { username, password } : undefined, clock, log });
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

    async clusterNodes(id) {
      if (!configOf(id)) throw new UiError('not-found', `no remote Core "${id}"`);
      try {
        const nodes = await fleet.listClusterNodes(id);
        return nodes.map((n): ClusterNodeInfo => (n.addedAs === undefined ? { id: n.id, name: n.name, url: n.url } : { id: n.id, name: n.name, url: n.url, addedAs: n.addedAs }));
      } catch (err) {
        throw pageError(err);
      }
    },

    async addClusterNodes(id, nodeIds, toOtherHosts) {
      if (!configOf(id)) throw new UiError('not-found', `no remote Core "${id}"`);
      let added: CoreInfo[];
      try {
        added = await fleet.addClusterNodes(id, nodeIds, toOtherHosts);
      } catch (err) {
        if (err instanceof OtherHostsError) throw new UiError('confirm-credentials', err.message);
        throw pageError(err);
      }
      // Like addCore: the login name for the UI, the password in the secret store under the node's own core id.
      for (const core of added) {
        const login = fleet.credentialsOf(core.id);
        const username = login?.username ?? usernames.get(id);
        if (username) usernames.set(core.id, username);
        if (login) await secrets.set(core.id, login);
      }
      if (added.length > 0) {
        saveCores();
        log.info('cluster nodes added', { from: id, cores: added.map((c) => c.id) });
      }
      return added.flatMap((c) => {
        const config = configOf(c.id);
        return config ? [view(config)] : [];
      });
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
      if (patch.apiUsername !== undefined) {
        if (patch.apiUsername.includes(':')) throw new UiError('invalid-argument', 'the API user name cannot contain ":"');
        next.apiUsername = patch.apiUsername;
      }
      if (patch.apiAuthEnabled !== undefined) next.apiAuthEnabled = patch.apiAuthEnabled;
      if (patch.ipIgnoreList !== undefined) next.ipIgnoreList = patch.ipIgnoreList;
      if (patch.sessionTimeoutMs !== undefined) next.sessionTimeoutMs = patch.sessionTimeoutMs;
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
      for (const cb of [...settingsListeners]) cb(s);
      return s;
    },

    onSettingsChanged(callback) {
      settingsListeners.add(callback);
      return () => settingsListeners.delete(callback);
    },
  };
}
