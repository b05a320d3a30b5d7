/**
 * The remote Cores the user watches: the fleet's Cores, saved in `<dataDir>/cores.json` (never a password: those go
 * to the SecretStore under the core id). A cores.json that is not valid JSON is moved aside and logged, so the next
 * save cannot overwrite the user's list.
 */
import { join } from 'node:path';
import type { ClusterNodeInfo, RemoteCoreConfig as RemoteCoreView } from '../../shared/ipc.ts';
import { LOCAL_CORE_ID, type CoreInfo } from '../../shared/types.ts';
import type { AppConfig } from '../config.ts';
import { writeFileAtomicSync } from '../atomic-file.ts';
import type { Clock } from '../engine/types.ts';
import type { Credentials } from '../remote/client.ts';
import { loadRemoteCores, parseCoreUrl, RemoteConfigError, type SecretStore } from '../remote/config.ts';
import { RemoteError } from '../remote/errors.ts';
import { defaultCoreId, OtherHostsError, TooManyCoresError, type Fleet, type RemoteCoreConfig } from '../remote/fleet.ts';
import { UiError, type AppControl } from '../ui/app-control.ts';
import type { Logger } from '../log.ts';
import { testCoreConnection } from './core-tester.ts';
import { readUserJson } from './user-json.ts';

/** What cores.json holds per remote Core: never a password. */
interface SavedCore {
  id: string;
  url: string;
  name?: string;
  username?: string;
  intervalMs?: number;
  enabled?: boolean;
}

export const CORES_FILE = 'cores.json';

/** The Cores page's side of AppControl, and the restore of the saved Cores at start. */
export type CoreStore = Pick<AppControl, 'listCores' | 'addCore' | 'updateCore' | 'removeCore' | 'testCore' | 'clusterNodes' | 'addClusterNodes'> & {
  /** Adds the Cores of cores.json and of --core/--core-credentials to the fleet. */
  restoreCores(): Promise<void>;
};

export interface CoreStoreOptions {
  config: AppConfig;
  fleet: Fleet;
  clock: Clock;
  log: Logger;
  secrets: SecretStore;
}

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

/** A Core URL from the page: a clear UiError instead of a RemoteConfigError. */
function coreUrl(raw: string): { url: string; credentials?: Credentials } {
  try {
    return parseCoreUrl(raw);
  } catch (err) {
    throw new UiError('invalid-argument', err instanceof RemoteConfigError ? err.message : String(err));
  }
}

/** A remote Core's failure as a page error (`remote-auth`, `remote-network`, ...); anything else unchanged. */
function pageError(err: unknown): unknown {
  if (err instanceof TooManyCoresError) return new UiError('too-many', err.message);
  return err instanceof RemoteError ? new UiError(`remote-${err.kind}`, err.message) : err;
}

export function createCoreStore({ config, fleet, clock, log, secrets }: CoreStoreOptions): CoreStore {
  const coresFile = join(config.dataDir, CORES_FILE);
  /** Login names of remote Cores (shown in the UI; the passwords stay in the secret store). */
  const usernames = new Map<string, string>();

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

  return {
    async restoreCores() {
      const file = readUserJson(coresFile, (detail) => log.warn('cores.json is not valid JSON: moved it aside; the remote Cores it listed are not restored', detail)) as { cores?: SavedCore[] } | undefined;
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
      try {
        fleet.addCore(core);
      } catch (err) {
        throw pageError(err);
      }
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
      return testCoreConnection(url, username && password !== undefined ? { username, password } : undefined, { clock, log });
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
  };
}
