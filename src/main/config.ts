/**
 * The app's settings: defaults, a JSON config file, and command-line flags (headless mode), in that order of
 * precedence (flags win). Pure: no I/O except reading the --config file, which the caller passes in.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { parseShard, type Shard } from './prometheus/shard.ts';

/** host:port of a listener; `null` means off. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface AppConfig {
  /** The HTTP listener: v3 API, /metrics, /memfs, and the UI at /ui/ in headless mode. */
  listen: ListenAddress;
  dataDir: string;
  /** JWT login as Core's when set; the API is open otherwise (allowed on loopback only). */
  auth: Credentials | null;
  /** Signing secret part; random on every start when empty (as Core: tokens die with a restart). */
  jwtSecret: string;
  ignoreCidrs: string[];
  sessionTimeoutSec: number;
  persist: boolean;
  persistIntervalSec: number;
  maxSessions: number;
  maxBitrateMbit: number;
  rtmp: ListenAddress | null;
  rtmpToken: string;
  rtmpApp: string;
  /** The SRT listener (live mode, no encryption); `null` means off. */
  srt: ListenAddress | null;
  srtToken: string;
  memfsAuth: Credentials | null;
  memfsMaxMb: number;
  trustedProxies: string[];
  /** A folder served read-only at /disk (Core serves its disk at `/`, which is the UI here). */
  diskDir: string | null;
  /** Remote Cores, as URLs that may carry credentials (http://user:pass@host:port). */
  cores: string[];
  coreCredentialsFile: string | null;
  pollIntervalMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The FFmpeg binary the local core's processes run (`--ffmpeg PATH`); a name is looked up on PATH. */
  ffmpeg: string;
  /** Host names the HTTP listener answers to besides IP literals, localhost and the listen host (DNS-rebinding guard). */
  allowedHosts: string[];
  /** `/metrics` needs the API's access token (when --auth is set). Default off, as Core. */
  metricsAuth: boolean;
  /** Connections one client (IPv4 address, IPv6 /64) may hold on each of HTTP, RTMP and SRT; 0 = no bound. */
  maxConnsPerIp: number;
  /** History entries per collector before the least recent are folded into `(other)` (sums stay exact); 0 = no bound. */
  historyMaxEntries: number;
  /** The time-series history (src/main/timeseries/): on, its sample interval, tier retentions and size bound. */
  timeseries: boolean;
  timeseriesIntervalSec: number;
  timeseriesRawHours: number;
  timeseriesMinuteDays: number;
  timeseriesHourDays: number;
  timeseriesMaxMb: number;
  /** Prometheus (issue 18): streams per core with series of their own in /metrics; this instance's shard of the Cores. */
  metricsMaxStreamsPerCore: number;
  shard: Shard | null;
  /** Where History and reports read from: the embedded store, or a Prometheus-compatible query API. */
  historyBackend: 'embedded' | 'prometheus';
  prometheusUrl: string;
  /** `USER:PASS` (basic) or `Bearer TOKEN`; empty: none. */
  prometheusAuth: string;
  prometheusTimeoutMs: number;
}

export const DEFAULT_API_PORT = 8787;
export const DEFAULT_RTMP_PORT = 1935;
export const DEFAULT_SRT_PORT = 6000;

export function defaultDataDir(): string {
  const xdg = process.env.XDG_DATA_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'share'), 'core-sessions');
}

export function defaultConfig(): AppConfig {
  return {
    listen: { host: '127.0.0.1', port: DEFAULT_API_PORT },
    dataDir: defaultDataDir(),
    auth: null,
    jwtSecret: '',
    ignoreCidrs: [],
    sessionTimeoutSec: 30,
    persist: true,
    persistIntervalSec: 60,
    maxSessions: 0,
    maxBitrateMbit: 0,
    rtmp: { host: '127.0.0.1', port: DEFAULT_RTMP_PORT },
    rtmpToken: '',
    rtmpApp: '/',
    srt: { host: '127.0.0.1', port: DEFAULT_SRT_PORT },
    srtToken: '',
    memfsAuth: null,
    memfsMaxMb: 256,
    trustedProxies: [],
    diskDir: null,
    cores: [],
    coreCredentialsFile: null,
    pollIntervalMs: 1000,
    logLevel: 'info',
    ffmpeg: 'ffmpeg',
    allowedHosts: [],
    metricsAuth: false,
    maxConnsPerIp: 100,
    historyMaxEntries: 10_000,
    timeseries: true,
    timeseriesIntervalSec: 10,
    timeseriesRawHours: 48,
    timeseriesMinuteDays: 30,
    timeseriesHourDays: 730,
    timeseriesMaxMb: 512,
    metricsMaxStreamsPerCore: 50,
    shard: null,
    historyBackend: 'embedded',
    prometheusUrl: '',
    prometheusAuth: '',
    prometheusTimeoutMs: 5000,
  };
}

/** A user-facing configuration error: printed as one line, exit code 2, never a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const HELP = `Usage: npm run serve -- [flags]

Runs Core Sessions without Electron: the local core (collectors, HTTP with memfs/HLS, RTMP, SRT), the
Core-compatible v3 API, remote Cores, and the dashboard at http://HOST:PORT/ui/.

Flags (a --config file takes the same names in camelCase; flags win over the file):
  --listen HOST:PORT          HTTP listener for API, memfs and UI        [127.0.0.1:${DEFAULT_API_PORT}]
  --data-dir DIR              history files go to DIR/sessions/           [$XDG_DATA_HOME/core-sessions]
  --auth USER:PASS            JWT login as datarhei Core's (required off loopback)
  --jwt-secret SECRET         fixed JWT secret part (default: random per start)
  --ignore-ips LIST           comma-separated CIDRs not counted; "" for none   [""]
  --session-timeout SEC       idle time before a session closes           [30]
  --persist-interval SEC      history write interval; 0 = on exit only   [60]
  --no-persist                keep the history in memory only
  --max-sessions N            HLS admission limit; 0 = none               [0]
  --max-bitrate MBIT          HLS admission tx limit in Mbit/s; 0 = none  [0]
  --rtmp HOST:PORT|off        RTMP server                                  [127.0.0.1:${DEFAULT_RTMP_PORT}]
  --rtmp-token TOKEN          require ?token=TOKEN (or as last path element)
  --rtmp-app APP              RTMP app prefix stripped from references    [/]
  --srt HOST:PORT|off         SRT server (UDP; live mode, no encryption)   [127.0.0.1:${DEFAULT_SRT_PORT}]
  --srt-token TOKEN           require token:TOKEN in the SRT stream id
  --memfs-auth USER:PASS      basic auth for writes to /memfs
  --memfs-max-mb N            in-memory filesystem size limit in MB       [256]
  --trusted-proxies LIST      CIDRs whose X-Forwarded-For/X-Real-IP is trusted   [""]
  --disk-dir DIR              serve DIR read-only at /disk
  --core URL                  watch a remote datarhei Core (repeatable); http://user:pass@host:port
  --core-credentials FILE     JSON [{"url": "...", "username": "...", "password": "..."}]
  --poll-interval MS          remote Core poll interval                    [1000]
  --log-level LEVEL           debug|info|warn|error                        [info]
  --ffmpeg PATH               FFmpeg binary for the local core's processes [ffmpeg]
  --allowed-hosts LIST        host names the HTTP listener answers to besides IP addresses, localhost
                              and the listen host (.example.com = domain and subdomains, * = any)  [""]
  --metrics-auth              /metrics needs the API's token too (with --auth; default open, as Core)
  --max-conns-per-ip N        connections one client may hold on HTTP, RTMP and SRT each; 0 = none  [100]
  --history-max-entries N     history entries per collector; the least recent fold into "(other)",
                              totals stay exact; 0 = no bound                              [10000]
  --timeseries-interval SEC   time-series sample interval; divides 60      [10]
  --timeseries-raw-hours H    keep the samples themselves for H hours      [48]
  --timeseries-minute-days D  keep 1-minute aggregates for D days          [30]
  --timeseries-hour-days D    keep 1-hour aggregates (and days) for D days [730]
  --timeseries-max-mb MB      size bound of timeseries.sqlite; the oldest data goes first  [512]
  --no-timeseries             no time-series history
  --metrics-max-streams-per-core N  streams per core with series of their own in /metrics; the rest
                              are summed into stream="(other)"              [50]
  --shard I/N                 watch and export only the Cores whose id hashes (FNV-1a) to shard I of N
  --history-backend NAME      embedded|prometheus: where History and reports read from   [embedded]
  --prometheus-url URL        Prometheus-compatible query API for --history-backend prometheus
  --prometheus-auth-file FILE USER:PASS (basic) or "Bearer TOKEN" for it; or CORE_SESSIONS_PROMETHEUS_AUTH
  --prometheus-timeout-ms MS  deadline of each query to Prometheus        [5000]
  --auth-file FILE            --auth, --memfs-auth, --jwt-secret, --rtmp-token and --srt-token read
  --memfs-auth-file FILE      from the first line of a file, so that no secret shows in \`ps\`; or
  --jwt-secret-file FILE      from the environment: CORE_SESSIONS_AUTH, CORE_SESSIONS_MEMFS_AUTH,
  --rtmp-token-file FILE      CORE_SESSIONS_JWT_SECRET, CORE_SESSIONS_RTMP_TOKEN, CORE_SESSIONS_SRT_TOKEN.
  --srt-token-file FILE       Remote Cores' passwords: --core-credentials FILE, or CORE_SESSIONS_CORES
                              (URLs with credentials, space-separated, added to --core)
  --config FILE               JSON file with any of the settings above
  -h, --help                  this text

Files in the data dir: sessions/<collector>.json (the history, Core's format), timeseries.sqlite (viewers and
traffic over time, with its -wal and -shm files), alerts.json (alert rules,
{"rules": [...]}), settings.json and cores.json (saved by the dashboard), remote-credentials.json (mode 0600),
processes.json (the local core's FFmpeg processes), processes.pids.json (their pids, ended after a crash).
`;

export function parseHostPort(value: string, what: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(`${what}: expected HOST:PORT (IPv6 as [::1]:PORT), got "${value}"`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range`);
  if (host === '') throw new ConfigError(`${what}: missing host in "${value}"`);
  return { host, port };
}

export function parseCredentials(value: string, what: string): Credentials {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1) throw new ConfigError(`${what}: expected USER:PASS`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseNumber(value: string, what: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new ConfigError(`${what}: expected a number >= ${min}, got "${value}"`);
  return n;
}

function parseInteger(value: string, what: string, min: number): number {
  const n = parseNumber(value, what, min);
  if (!Number.isInteger(n)) throw new ConfigError(`${what}: expected a whole number, got "${value}"`);
  return n;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host) || host.toLowerCase().startsWith('::ffff:127.');
  return false;
}

type Setter = (config: AppConfig, value: string) => void;

const FLAGS: Record<string, Setter> = {
  listen: (c, v) => { c.listen = parseHostPort(v, '--listen'); },
  'data-dir': (c, v) => { c.dataDir = v; },
  auth: (c, v) => { c.auth = parseCredentials(v, '--auth'); },
  'jwt-secret': (c, v) => { c.jwtSecret = v; },
  'ignore-ips': (c, v) => { c.ignoreCidrs = parseList(v); },
  'session-timeout': (c, v) => { c.sessionTimeoutSec = parseNumber(v, '--session-timeout', 1); },
  'persist-interval': (c, v) => { c.persistIntervalSec = parseNumber(v, '--persist-interval', 0); },
  'max-sessions': (c, v) => { c.maxSessions = parseInteger(v, '--max-sessions', 0); },
  'max-bitrate': (c, v) => { c.maxBitrateMbit = parseNumber(v, '--max-bitrate', 0); },
  rtmp: (c, v) => { c.rtmp = v === 'off' ? null : parseHostPort(v, '--rtmp'); },
  'rtmp-token': (c, v) => { c.rtmpToken = v; },
  'rtmp-app': (c, v) => { c.rtmpApp = v; },
  srt: (c, v) => { c.srt = v === 'off' ? null : parseHostPort(v, '--srt'); },
  'srt-token': (c, v) => { c.srtToken = v; },
  'memfs-auth': (c, v) => { c.memfsAuth = parseCredentials(v, '--memfs-auth'); },
  'memfs-max-mb': (c, v) => { c.memfsMaxMb = parseNumber(v, '--memfs-max-mb', 1); },
  'trusted-proxies': (c, v) => { c.trustedProxies = parseList(v); },
  'disk-dir': (c, v) => { c.diskDir = v; },
  core: (c, v) => { c.cores.push(v); },
  'core-credentials': (c, v) => { c.coreCredentialsFile = v; },
  'poll-interval': (c, v) => { c.pollIntervalMs = parseInteger(v, '--poll-interval', 100); },
  ffmpeg: (c, v) => { c.ffmpeg = v; },
  'allowed-hosts': (c, v) => { c.allowedHosts = parseList(v); },
  'max-conns-per-ip': (c, v) => { c.maxConnsPerIp = parseInteger(v, '--max-conns-per-ip', 0); },
  'history-max-entries': (c, v) => { c.historyMaxEntries = parseInteger(v, '--history-max-entries', 0); },
  'timeseries-interval': (c, v) => {
    const n = parseInteger(v, '--timeseries-interval', 1);
    if (60 % n !== 0) throw new ConfigError(`--timeseries-interval: expected a divisor of 60 seconds (1, 2, 5, 10, 15, 30, 60…), got ${n}`);
    c.timeseriesIntervalSec = n;
  },
  'timeseries-raw-hours': (c, v) => { c.timeseriesRawHours = parseNumber(v, '--timeseries-raw-hours', 1); },
  'timeseries-minute-days': (c, v) => { c.timeseriesMinuteDays = parseNumber(v, '--timeseries-minute-days', 1); },
  'timeseries-hour-days': (c, v) => { c.timeseriesHourDays = parseNumber(v, '--timeseries-hour-days', 1); },
  'timeseries-max-mb': (c, v) => { c.timeseriesMaxMb = parseNumber(v, '--timeseries-max-mb', 1); },
  'metrics-max-streams-per-core': (c, v) => { c.metricsMaxStreamsPerCore = parseInteger(v, '--metrics-max-streams-per-core', 0); },
  shard: (c, v) => {
    try { c.shard = v === '' ? null : parseShard(v); } catch (err) { throw new ConfigError((err as Error).message); }
  },
  'history-backend': (c, v) => {
    if (v !== 'embedded' && v !== 'prometheus') throw new ConfigError(`--history-backend: expected embedded|prometheus, got "${v}"`);
    c.historyBackend = v;
  },
  'prometheus-url': (c, v) => { c.prometheusUrl = v; },
  'prometheus-auth': (c, v) => { c.prometheusAuth = v; },
  'prometheus-timeout-ms': (c, v) => { c.prometheusTimeoutMs = parseInteger(v, '--prometheus-timeout-ms', 100); },
  'log-level': (c, v) => {
    if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error') throw new ConfigError(`--log-level: expected debug|info|warn|error, got "${v}"`);
    c.logLevel = v;
  },
};

const BOOLEAN_FLAGS: Record<string, (c: AppConfig) => void> = {
  'no-persist': (c) => { c.persist = false; },
  'metrics-auth': (c) => { c.metricsAuth = true; },
  'no-timeseries': (c) => { c.timeseries = false; },
};

/**
 * Secrets that must not show in `ps`: each flag has a `-file` twin (the file's first line) and an environment
 * variable. Precedence: defaults, the --config file, the environment, then flags (a `-file` flag like its twin).
 */
const SECRET_FLAGS: ReadonlyArray<{ flag: string; env: string }> = [
  { flag: 'auth', env: 'CORE_SESSIONS_AUTH' },
  { flag: 'memfs-auth', env: 'CORE_SESSIONS_MEMFS_AUTH' },
  { flag: 'jwt-secret', env: 'CORE_SESSIONS_JWT_SECRET' },
  { flag: 'rtmp-token', env: 'CORE_SESSIONS_RTMP_TOKEN' },
  { flag: 'srt-token', env: 'CORE_SESSIONS_SRT_TOKEN' },
  { flag: 'prometheus-auth', env: 'CORE_SESSIONS_PROMETHEUS_AUTH' },
];
/** Remote Core URLs with credentials, whitespace-separated (added to --core). */
export const CORES_ENV = 'CORE_SESSIONS_CORES';

/** The first line of a secret file (a trailing newline is not part of the secret). */
function readSecretFile(path: string, flag: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(`--${flag}-file ${path}: ${(err as Error).message}`);
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new ConfigError(`--${flag}-file ${path}: the file is empty`);
  return line;
}

/** camelCase key of a flag name, for the --config file. */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** Applies a parsed JSON config object: the same settings as the flags, in camelCase (e.g. `dataDir`, `ignoreIps`). */
export function applyConfigObject(config: AppConfig, obj: unknown, source: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError(`${source}: expected a JSON object`);
  const byCamel = new Map(Object.keys(FLAGS).map((f) => [camel(f), f]));
  for (const [key, raw] of Object.entries(obj as Record<string, unknown>)) {
    if (key === 'persist' && typeof raw === 'boolean') { config.persist = raw; continue; }
    if (key === 'metricsAuth' && typeof raw === 'boolean') { config.metricsAuth = raw; continue; }
    if (key === 'timeseries' && typeof raw === 'boolean') { config.timeseries = raw; continue; }
    const flag = byCamel.get(key);
    if (!flag) throw new ConfigError(`${source}: unknown setting "${key}"`);
    const values = flag === 'core' && Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (flag === 'rtmp' && value === null) { config.rtmp = null; continue; }
      if (flag === 'srt' && value === null) { config.srt = null; continue; }
      if (Array.isArray(value)) FLAGS[flag](config, value.map(String).join(','));
      else if (typeof value === 'string' || typeof value === 'number') FLAGS[flag](config, String(value));
      else throw new ConfigError(`${source}: "${key}" must be a string or number`);
    }
  }
}

export interface ParsedArgs {
  config: AppConfig;
  help: boolean;
  configFile: string | null;
}

/**
 * Parses flags (`--name value` or `--name=value`) over `base` (the defaults, or the defaults plus what the Settings
 * view saved). `readFile` loads a --config file; it is applied first and the other flags on top, whatever their order.
 */
export function parseArgs(argv: string[], readFile: (path: string) => string, base: AppConfig = defaultConfig(), env: Readonly<Record<string, string | undefined>> = process.env): ParsedArgs {
  const pairs: Array<[string, string]> = [];
  const booleans: string[] = [];
  let help = false;
  let configFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') { help = true; continue; }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (BOOLEAN_FLAGS[name]) { booleans.push(name); continue; }
    const secretFile = SECRET_FLAGS.find((f) => `${f.flag}-file` === name);
    if (!FLAGS[name] && name !== 'config' && !secretFile) throw new ConfigError(`unknown flag --${name} (see --help)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new ConfigError(`--${name} needs a value`);
      value = argv[++i];
    }
    if (name === 'config') configFile = value;
    else if (secretFile) pairs.push([secretFile.flag, readSecretFile(value, secretFile.flag, readFile)]);
    else pairs.push([name, value]);
  }
  const config: AppConfig = { ...base, cores: [...base.cores], ignoreCidrs: [...base.ignoreCidrs], trustedProxies: [...base.trustedProxies], allowedHosts: [...base.allowedHosts] };
  if (configFile !== null) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: ${(err as Error).message}`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: invalid JSON (${(err as Error).message})`);
    }
    applyConfigObject(config, obj, `--config ${configFile}`);
  }
  for (const { flag, env: name } of SECRET_FLAGS) {
    const value = env[name];
    if (value !== undefined && value !== '') FLAGS[flag](config, value);
  }
  for (const url of (env[CORES_ENV] ?? '').split(/\s+/)) if (url !== '') config.cores.push(url);
  // Repeatable --core flags add to the file's list; everything else overrides it.
  for (const [name, value] of pairs) FLAGS[name](config, value);
  for (const name of booleans) BOOLEAN_FLAGS[name](config);
  return { config, help, configFile };
}

/** Checks that need the whole configuration. */
export function validateConfig(config: AppConfig): void {
  if (config.historyBackend === 'prometheus' && !/^https?:\/\/[^/]/.test(config.prometheusUrl)) {
    throw new ConfigError('--history-backend prometheus needs --prometheus-url http(s)://HOST:PORT[/PATH]');
  }
  if (!isLoopbackHost(config.listen.host) && config.auth === null) {
    throw new ConfigError(
      `refusing to listen on ${config.listen.host}:${config.listen.port} without --auth: the API would be open to the network. ` +
        'Use --auth USER:PASS, or listen on 127.0.0.1.',
    );
  }
}
