/**
 * Remote Cores from the command line and from files, and where their secrets are kept.
 *
 * Headless flags: `--core URL` (repeatable; credentials in the URL as `http://user:pass@host:port`) and
 * `--core-credentials FILE` (JSON, see `CredentialsFileEntry`). The Electron shell implements `SecretStore` with
 * safeStorage; headless mode uses `FileSecretStore`, a JSON file with mode 0600 in the data dir, and says so in the log.
 * Passwords never appear in logs, errors, CoreInfo or anything sent to the renderer.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { Credentials } from './client.ts';
import { defaultCoreId } from './fleet.ts';
import type { RemoteCoreConfig } from './poller.ts';

export class RemoteConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteConfigError';
  }
}

/** Where remote Core credentials are kept, by core id. */
export interface SecretStore {
  get(coreId: string): Promise<Credentials | undefined>;
  set(coreId: string, credentials: Credentials): Promise<void>;
  delete(coreId: string): Promise<void>;
}

/**
 * A Core address as a person types it: `host:port`, `host` or a full URL. Without a scheme, `http://` is assumed
 * (Core's default listener is plain HTTP); surrounding blanks are dropped.
 */
export function withDefaultScheme(raw: string): string {
  const text = raw.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
}

/** A URL as given to `--core`, split into the base URL (no credentials) and the credentials it carried. */
export function parseCoreUrl(raw: string): { url: string; credentials?: Credentials } {
  let u: URL;
  try {
    u = new URL(withDefaultScheme(raw));
  } catch {
    // Never echo the input: it may contain a password.
    throw new RemoteConfigError('invalid remote Core URL (expected http(s)://[user:pass@]host:port[/path])');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RemoteConfigError(`remote Core URL must be http or https, not ${u.protocol}`);
  let credentials: Credentials | undefined;
  if (u.username !== '' || u.password !== '') {
    try {
      credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    } catch {
      throw new RemoteConfigError('invalid percent-encoding in the credentials of a remote Core URL');
    }
  }
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  const url = u.origin + u.pathname.replace(/\/+$/, '');
  return credentials ? { url, credentials } : { url };
}

/**
 * One entry of a `--core-credentials` file. The file is a JSON array of entries, or `{"cores":[…]}`. An entry whose
 * `url` (or `id`) matches a `--core` gives that Core its credentials; other entries add Cores of their own.
 */
export interface CredentialsFileEntry {
  url: string;
  id?: string;
  name?: string;
  username?: string;
  password?: string;
  intervalMs?: number;
}

export function parseCredentialsFile(text: string, source = 'credentials file'): CredentialsFileEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RemoteConfigError(`${source}: invalid JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(json) ? json : (json as { cores?: unknown } | null)?.cores;
  if (!Array.isArray(list)) throw new RemoteConfigError(`${source}: expected an array of {url, username, password} or {"cores": [...]}`);
  return list.map((e, i) => {
    if (e === null || typeof e !== 'object') throw new RemoteConfigError(`${source}: entry ${i} is not an object`);
    const o = e as Record<string, unknown>;
    if (typeof o.url !== 'string') throw new RemoteConfigError(`${source}: entry ${i} has no "url"`);
    for (const k of ['id', 'name', 'username', 'password'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'string') throw new RemoteConfigError(`${source}: entry ${i}: "${k}" must be a string`);
    }
    if (o.intervalMs !== undefined && (typeof o.intervalMs !== 'number' || !(o.intervalMs >= 100))) {
      throw new RemoteConfigError(`${source}: entry ${i}: "intervalMs" must be a number >= 100`);
    }
    return o as unknown as CredentialsFileEntry;
  });
}

export interface LoadOptions {
  /** `--core` values. */
  cores: readonly string[];
  /** `--core-credentials` path. */
  credentialsFile?: string;
  /** Looked up for Cores that got no credentials from the URL or the file. */
  secrets?: SecretStore;
  readFile?: (path: string) => Promise<string>;
  log?: Logger;
}

/** Builds the remote Core configs of headless mode from the flags (credentials: URL > file > secret store). */
export async function loadRemoteCores(options: LoadOptions): Promise<RemoteCoreConfig[]> {
  const configs: RemoteCoreConfig[] = [];
  const ids = new Set<string>();
  const add = (c: RemoteCoreConfig): void => {
    if (ids.has(c.id)) throw new RemoteConfigError(`remote Core ${c.id} is configured twice`);
    ids.add(c.id);
    configs.push(c);
  };
  for (const raw of options.cores) {
    const { url, credentials } = parseCoreUrl(raw);
    add({ id: defaultCoreId(url), url, ...(credentials ? { credentials } : {}) });
  }
  if (options.credentialsFile) {
    const read = options.readFile ?? ((p: string) => readFile(p, 'utf8'));
    let text: string;
    try {
      text = await read(options.credentialsFile);
    } catch (err) {
      throw new RemoteConfigError(`cannot read --core-credentials ${options.credentialsFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const e of parseCredentialsFile(text, options.credentialsFile)) {
      const { url, credentials: inUrl } = parseCoreUrl(e.url);
      const credentials = e.username !== undefined || e.password !== undefined ? { username: e.username ?? '', password: e.password ?? '' } : inUrl;
      const id = e.id ?? defaultCoreId(url);
      const existing = configs.find((c) => c.url === url || c.id === id);
      if (existing) {
        if (!existing.credentials && credentials) existing.credentials = credentials;
        if (e.name) existing.name = e.name;
        if (e.intervalMs) existing.intervalMs = e.intervalMs;
        continue;
      }
      add({ id, url, ...(e.name ? { name: e.name } : {}), ...(e.intervalMs ? { intervalMs: e.intervalMs } : {}), ...(credentials ? { credentials } : {}) });
    }
  }
  if (options.secrets) {
    for (const c of configs) {
      if (!c.credentials) {
        const stored = await options.secrets.get(c.id);
        if (stored) c.credentials = stored;
      }
    }
  }
  for (const c of configs) options.log?.info('remote Core configured', { id: c.id, url: c.url, login: c.credentials ? c.credentials.username : 'none' });
  return configs;
}

/**
 * Headless secret store: `remote-credentials.json` in the data dir, created with mode 0600 (readable only by the
 * user running the server) and re-chmodded if it was widened. Not encrypted: the log says so once.
 */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  readonly #log: Logger | undefined;
  #announced = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, log?: Logger) {
    this.path = join(dataDir, 'remote-credentials.json');
    this.#log = log;
  }

  async get(coreId: string): Promise<Credentials | undefined> {
    const all = await this.#read();
    const c = all[coreId];
    return c && typeof c.username === 'string' && typeof c.password === 'string' ? { username: c.username, password: c.password } : undefined;
  }

  set(coreId: string, credentials: Credentials): Promise<void> {
    return this.#update((all) => {
      all[coreId] = { username: credentials.username, password: credentials.password };
    });
  }

  delete(coreId: string): Promise<void> {
    return this.#update((all) => {
      delete all[coreId];
    });
  }

  async #read(): Promise<Record<string, Credentials>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const st = await stat(this.path);
      if ((st.mode & 0o077) !== 0) {
        await chmod(this.path, 0o600);
        this.#log?.warn('remote Core credentials file was readable by others; reset to mode 0600', { path: this.path });
      }
    } catch {
      // best effort (e.g. Windows)
    }
    try {
      const json = JSON.parse(text) as unknown;
      return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, Credentials>) : {};
    } catch {
      this.#log?.warn('remote Core credentials file is not valid JSON; ignoring it', { path: this.path });
      return {};
    }
  }

  #update(fn: (all: Record<string, Credentials>) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const all = await this.#read();
      fn(all);
      await mkdir(join(this.path, '..'), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, this.path);
      if (!this.#announced) {
        this.#announced = true;
        this.#log?.info('remote Core credentials are stored unencrypted in a file readable only by this user (mode 0600)', { path: this.path });
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }
}

/** An in-memory SecretStore (tests, or a session that must not persist secrets). */
export class MemorySecretStore implements SecretStore {
  readonly #map = new Map<string, Credentials>();
  async get(coreId: string): Promise<Credentials | undefined> {
    const c = this.#map.get(coreId);
    return c ? { ...c } : undefined;
  }
  async set(coreId: string, credentials: Credentials): Promise<void> {
    this.#map.set(coreId, { ...credentials });
  }
  async delete(coreId: string): Promise<void> {
    this.#map.delete(coreId);
  }
}
