/**
 * THE list of settings: one entry per setting, with one name from flag to JSON to the Settings view. Pure data (the
 * renderer shows the help lines; src/main/settings/ parses, validates and documents with it). Names carry their unit
 * (`sessionTimeoutSec`, `pollIntervalMs`, `memfsMaxMb`); a flag is the key in kebab-case, the key is the AppConfig
 * field and the key of `--config`, `config.json` and `settings.json`. Old names stay readable (`oldFlags`,
 * `oldKeys`) so no command line or saved file breaks; only the new name is written and documented.
 */

/** Where a setting appears in `--help`, the README table and the Settings view. */
export type SettingGroup = 'Servers' | 'Security' | 'Sessions & history' | 'Time series' | 'Remote Cores' | 'Prometheus' | 'Desktop' | 'General';

/** How a value is read from a flag or JSON (validation lives in src/main/settings/values.ts, one parser per kind). */
export type SettingKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'list'
  | 'repeated'
  | 'hostPort'
  | 'hostPortOrOff'
  | 'credentials'
  | 'choice'
  | 'shard';

/** One setting. */
export interface SettingSpec {
  /** camelCase: the AppConfig field and the JSON key. */
  key: string;
  /** kebab-case flag without `--`; undefined: the key in kebab-case; null: not a flag (Settings view only). */
  flag?: string | null;
  /** Former flag names, still accepted (not in --help). */
  oldFlags?: readonly string[];
  /** Former JSON keys, still read from existing files (never written). */
  oldKeys?: readonly string[];
  /** The Settings view's short label, with the unit where the value has one (`RTMP write hold (ms)`); errors name it. */
  label: string;
  kind: SettingKind;
  /** Smallest accepted number (number, integer). */
  min?: number;
  /** Largest accepted number (number, integer). */
  max?: number;
  /** The value must divide this number (e.g. a sample interval dividing a minute). */
  divides?: number;
  /** Accepted values (choice). */
  choices?: readonly string[];
  /** What the Settings view shows for a choice where its bare value says too little (a choice without one: the value). */
  choiceText?: Readonly<Record<string, string>>;
  /** Placeholder of the value in --help and the README (`HOST:PORT`, `SEC`). */
  arg?: string;
  /**
   * The default as the flag's text (a boolean as a boolean, a number as a number): `defaultConfig()`
   * (src/main/config.ts) is built from it with the flag's parser, the Settings view goes back to it, and `--help`, the
   * README and the view's help line show it (`defaultTextOf`). Without one the default is none (`null`; a repeated
   * flag's `[]`), or computed at start (the data folder).
   */
  default?: string | number | boolean;
  /** Prose shown instead of the default's text, where that says too little (`random per start` for ''; `off`). */
  defaultText?: string;
  /** Said in brackets after the default's text: `0 (none)`, `ffmpeg (on PATH)`. */
  defaultNote?: string;
  /** A secret without a flag of its own (the API password): write-only in the view, kept in the secret store. */
  secret?: boolean;
  /** Shown, never changed (the inactive timeout, fixed as Core's). */
  readOnly?: boolean;
  /** The Settings view applies it when saved, not at the next start (units, the remote Cores' poll interval). */
  appliesAtOnce?: boolean;
  /** One line: what it does. */
  help: string;
  group: SettingGroup;
  /** A secret: also read from this environment variable and from `--FLAG-file FILE` (first line). */
  secretEnv?: string;
  /**
   * A bound on what clients can make the server hold (memory, disk, sessions, processes): only the owner changes it
   * (the desktop app, the command line, a page with the API login); the anonymous page shows it read-only
   * (src/main/ui/page-guards.ts).
   */
  limitsClients?: boolean;
}

/** Every setting the command line, the JSON files and the Settings view know, in --help order. */
export const SETTINGS: readonly SettingSpec[] = [
  { key: 'listen', label: 'API address', kind: 'hostPort', arg: 'HOST:PORT', default: '127.0.0.1:8787', help: 'HTTP listener: v3 API, /metrics, /memfs, the UI at /ui/', group: 'Servers' },
  { key: 'rtmp', label: 'RTMP address', kind: 'hostPortOrOff', arg: 'HOST:PORT|off', default: '127.0.0.1:1935', help: 'RTMP server; off: none', group: 'Servers' },
  { key: 'rtmpApp', label: 'RTMP app', kind: 'string', arg: 'APP', default: '/', help: 'app prefix stripped from RTMP references', group: 'Servers' },
  { key: 'rtmpWriteHoldMs', label: 'RTMP write hold (ms)', kind: 'integer', min: 0, max: 1000, arg: 'MS', default: 100, help: "RTMP players' writes held up to MS (at most 1000) while the publisher sends (up to 1 s more if it pauses): fewer writes, that much more latency; 0: one write per read, as Core", group: 'Servers' },
  { key: 'srt', label: 'SRT address', kind: 'hostPortOrOff', arg: 'HOST:PORT|off', default: '127.0.0.1:6000', help: 'SRT server (UDP, live mode, no encryption); off: none', group: 'Servers' },
  { key: 'memfsMaxMb', label: 'Memfs size (MB)', kind: 'number', min: 1, arg: 'MB', default: 256, help: 'in-memory filesystem size; the oldest files are purged first', group: 'Servers', limitsClients: true },
  { key: 'diskDir', label: 'Disk folder', kind: 'string', arg: 'DIR', help: 'a folder served read-only at /disk', group: 'Servers' },
  { key: 'ffmpeg', label: 'FFmpeg binary', kind: 'string', arg: 'PATH', default: 'ffmpeg', defaultNote: 'on PATH', help: "the FFmpeg binary the local core's processes run", group: 'Servers' },
  { key: 'dataDir', label: 'Data folder', kind: 'string', arg: 'DIR', defaultText: '$XDG_DATA_HOME/core-sessions', help: 'history, time series, alerts, settings and cores.json go here', group: 'General' },
  { key: 'logLevel', label: 'Log level', kind: 'choice', choices: ['debug', 'info', 'warn', 'error'], arg: 'LEVEL', default: 'info', help: 'debug, info, warn or error', group: 'General' },

  { key: 'auth', label: 'API login', kind: 'credentials', arg: 'USER:PASS', defaultText: 'off', help: "JWT login as datarhei Core's; required to listen off loopback", group: 'Security', secretEnv: 'CORE_SESSIONS_AUTH' },
  { key: 'jwtSecret', label: 'JWT secret', kind: 'string', arg: 'SECRET', default: '', defaultText: 'random per start', help: 'fixed JWT secret part (tokens then survive a restart)', group: 'Security', secretEnv: 'CORE_SESSIONS_JWT_SECRET' },
  { key: 'rtmpToken', label: 'RTMP token', kind: 'string', arg: 'TOKEN', default: '', help: 'RTMP needs ?token=TOKEN or the token as last path element', group: 'Security', secretEnv: 'CORE_SESSIONS_RTMP_TOKEN' },
  { key: 'srtToken', label: 'SRT token', kind: 'string', arg: 'TOKEN', default: '', help: 'SRT needs token:TOKEN (or token=TOKEN) in the stream id', group: 'Security', secretEnv: 'CORE_SESSIONS_SRT_TOKEN' },
  { key: 'memfsAuth', label: 'Memfs login', kind: 'credentials', arg: 'USER:PASS', help: 'basic auth for writes to /memfs', group: 'Security', secretEnv: 'CORE_SESSIONS_MEMFS_AUTH' },
  { key: 'trustedProxies', label: 'Trusted proxies', kind: 'list', arg: 'LIST', default: '', help: 'CIDRs whose X-Forwarded-For/X-Real-IP is believed', group: 'Security' },
  { key: 'allowedHosts', label: 'Allowed hosts', kind: 'list', arg: 'LIST', default: '', help: 'host names answered besides IPs, localhost and the listen host (.example.com: and subdomains, *: any)', group: 'Security' },
  { key: 'metricsAuth', label: 'Metrics need login', kind: 'boolean', default: false, defaultNote: 'open, as Core', help: "/metrics needs the API's token too (with --auth)", group: 'Security' },
  { key: 'maxConnsPerIp', label: 'Connections per IP', kind: 'integer', min: 0, arg: 'N', default: 100, help: 'connections one client (IPv4 address, IPv6 /64) may hold on HTTP, RTMP and SRT each; 0: none', group: 'Security', limitsClients: true },
  { key: 'maxProcesses', label: 'Max processes', kind: 'integer', min: 1, max: 10_000, arg: 'N', default: 64, help: "FFmpeg processes the local core keeps (each an FFmpeg when started); a create beyond is refused", group: 'Security', limitsClients: true },
  { key: 'maxSessionsPerIp', label: 'HLS sessions per IP', kind: 'integer', min: 0, arg: 'N', default: 1000, help: 'live HLS sessions one client (IPv4 address, IPv6 /64) may open, viewing and uploading each; more get 509; 0: none', group: 'Security', limitsClients: true },

  { key: 'ignoreIps', label: 'Ignored IPs', oldKeys: ['ipIgnoreList', 'ignoreCidrs'], kind: 'list', arg: 'LIST', default: '', help: 'CIDRs whose sessions are not counted ("" for none; Core ignores loopback)', group: 'Sessions & history' },
  { key: 'sessionTimeoutSec', label: 'Session timeout (s)', oldFlags: ['session-timeout'], oldKeys: ['sessionTimeout'], kind: 'number', min: 1, arg: 'SEC', default: 30, help: 'idle time before a session closes into the history', group: 'Sessions & history', limitsClients: true },
  { key: 'maxSessions', label: 'Max sessions', kind: 'integer', min: 0, arg: 'N', default: 0, defaultNote: 'none', help: 'HLS admission limit (509 beyond); 0: none', group: 'Sessions & history', limitsClients: true },
  { key: 'maxBitrateMbit', label: 'Max bitrate (Mbit/s)', oldFlags: ['max-bitrate'], oldKeys: ['maxBitrate'], kind: 'number', min: 0, arg: 'MBIT', default: 0, defaultNote: 'none', help: 'HLS admission limit on the total tx bitrate in Mbit/s; 0: none', group: 'Sessions & history', limitsClients: true },
  { key: 'persist', label: 'Keep the history', kind: 'boolean', default: true, help: 'write the history to DIR/sessions/ (--no-persist: in memory only)', group: 'Sessions & history' },
  { key: 'persistIntervalSec', label: 'History write interval (s)', oldFlags: ['persist-interval'], oldKeys: ['persistInterval'], kind: 'number', min: 0, arg: 'SEC', default: 60, help: 'history write interval; 0: only on exit', group: 'Sessions & history' },
  { key: 'historyMaxEntries', label: 'History entries', kind: 'integer', min: 0, arg: 'N', default: 10_000, help: 'history entries per collector; the least recent fold into "(other)", totals stay exact; 0: none', group: 'Sessions & history', limitsClients: true },

  { key: 'timeseries', label: 'Time series', kind: 'boolean', default: true, help: 'keep viewers and traffic over time (--no-timeseries: off)', group: 'Time series' },
  { key: 'timeseriesIntervalSec', label: 'Sample interval (s)', oldFlags: ['timeseries-interval'], oldKeys: ['timeseriesInterval'], kind: 'integer', min: 1, divides: 60, arg: 'SEC', default: 10, help: 'time-series sample interval; divides 60', group: 'Time series' },
  { key: 'timeseriesRawHours', label: 'Samples kept (h)', kind: 'number', min: 1, arg: 'H', default: 48, help: 'keep the samples themselves for H hours', group: 'Time series' },
  { key: 'timeseriesMinuteDays', label: 'Minute aggregates kept (days)', kind: 'number', min: 1, arg: 'D', default: 30, help: 'keep 1-minute aggregates for D days', group: 'Time series' },
  { key: 'timeseriesHourDays', label: 'Hour aggregates kept (days)', kind: 'number', min: 1, arg: 'D', default: 730, help: 'keep 1-hour aggregates (and the daily report) for D days', group: 'Time series' },
  { key: 'timeseriesMaxMb', label: 'Time-series size (MB)', kind: 'number', min: 1, arg: 'MB', default: 512, help: 'size bound of timeseries.sqlite; the oldest, finest data goes first', group: 'Time series', limitsClients: true },

  { key: 'cores', label: 'Remote Cores', flag: 'core', oldKeys: ['core'], kind: 'repeated', arg: 'URL', help: 'watch a remote datarhei Core (repeatable), http://user:pass@host:port', group: 'Remote Cores' },
  { key: 'coreCredentialsFile', label: 'Core credentials file', oldFlags: ['core-credentials'], oldKeys: ['coreCredentials'], kind: 'string', arg: 'FILE', help: 'JSON [{"url", "username", "password", "name"}] of remote Cores', group: 'Remote Cores' },
  { key: 'pollIntervalMs', label: 'Poll interval (ms)', oldFlags: ['poll-interval'], oldKeys: ['pollInterval'], kind: 'integer', min: 100, arg: 'MS', default: 1000, help: 'how often each remote Core is asked for its sessions', group: 'Remote Cores', appliesAtOnce: true },
  { key: 'shard', label: 'Shard', kind: 'shard', arg: 'I/N', defaultText: 'off', help: 'watch and export only the Cores whose id hashes (FNV-1a) to shard I of N (0-based)', group: 'Remote Cores' },

  { key: 'metricsMaxStreamsPerCore', label: 'Streams per core in /metrics', kind: 'integer', min: 0, arg: 'N', default: 50, help: 'streams per core with series of their own in /metrics; the rest sum into stream="(other)"', group: 'Prometheus' },
  { key: 'historyBackend', label: 'History backend', kind: 'choice', choices: ['embedded', 'prometheus'], choiceText: { embedded: 'Embedded (timeseries.sqlite in the data dir)', prometheus: 'Prometheus-compatible query API' }, arg: 'NAME', default: 'embedded', help: 'where History and reports read from: embedded or prometheus', group: 'Prometheus' },
  { key: 'prometheusUrl', label: 'Prometheus URL', kind: 'string', arg: 'URL', default: '', help: 'Prometheus-compatible query API for --history-backend prometheus', group: 'Prometheus' },
  { key: 'prometheusAuth', label: 'Prometheus auth', kind: 'string', arg: 'AUTH', default: '', help: 'USER:PASS (basic) or "Bearer TOKEN" for that API', group: 'Prometheus', secretEnv: 'CORE_SESSIONS_PROMETHEUS_AUTH' },
  { key: 'prometheusTimeoutMs', label: 'Prometheus timeout (ms)', kind: 'integer', min: 100, arg: 'MS', default: 5000, help: 'deadline of each query to Prometheus', group: 'Prometheus' },
];

/** The Settings view's own entries: saved by the view in settings.json, no flag. */
export const VIEW_SETTINGS: readonly SettingSpec[] = [
  { key: 'apiAuthEnabled', label: 'Require login', flag: null, kind: 'boolean', default: false, help: 'the API and the browser dashboard ask for this login (needed off loopback)', group: 'Security' },
  { key: 'apiUsername', label: 'Username', flag: null, kind: 'string', default: '', help: 'user name of that login (no ":")', group: 'Security' },
  { key: 'apiPassword', label: 'Password', flag: null, kind: 'string', secret: true, default: '', help: 'kept in the system keychain; leave empty to keep the current one', group: 'Security' },
  { key: 'inactiveTimeoutSec', label: 'Inactive timeout (s)', flag: null, kind: 'number', readOnly: true, default: 5, help: 'a session that never moves a byte closes after this (fixed, as Core)', group: 'Sessions & history' },
  { key: 'units', label: 'Units', flag: null, kind: 'choice', choices: ['decimal', 'binary'], appliesAtOnce: true, default: 'decimal', help: 'how bitrates and sizes are shown (applies at once)', group: 'General' },
  { key: 'startHidden', label: 'Start in the tray', flag: null, kind: 'boolean', default: false, help: 'start minimised to the tray (as --hidden)', group: 'Desktop' },
  { key: 'trayScaleMbit', label: 'Tray gauge scale (Mbit/s)', flag: null, kind: 'number', min: 0, default: 0, defaultNote: 'follow the peak', help: "full scale of the tray gauge in Mbit/s; 0: the last minute's peak", group: 'Desktop' },
];

/**
 * The default as `--help`, the README and the Settings view say it: `defaultText`, else the default's text (a
 * boolean `on`/`off`, '' or none `none`), with the note in brackets.
 */
export function defaultTextOf(spec: SettingSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const d = spec.default;
  const text = d === undefined || d === '' ? 'none' : typeof d === 'boolean' ? (d ? 'on' : 'off') : String(d);
  return spec.defaultNote === undefined ? text : `${text} (${spec.defaultNote})`;
}

/** A boolean that is on by default: documented as `--no-FLAG` (both forms are accepted). */
export function onByDefault(spec: SettingSpec): boolean {
  return spec.kind === 'boolean' && spec.default === true;
}

/** kebab-case of a camelCase key. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
}

/** The flag of a setting (without `--`), or null when it has none. */
export function flagOf(spec: SettingSpec): string | null {
  return spec.flag === undefined ? kebab(spec.key) : spec.flag;
}

/** A setting by key (flag settings and the view's own), or undefined when unknown. */
export function settingSpec(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.key === key) ?? VIEW_SETTINGS.find((s) => s.key === key);
}

/**
 * Every setting the Settings view shows and saves, by key, in the view's order; each group is a panel (units, which
 * apply at once, have a panel of their own). All take one path: the page sends each as the text its flag takes (a
 * boolean as a boolean), the server parses it with the flag's parser (src/main/settings/values.ts) and keeps it in
 * settings.json under its key (a secret in the secret store); it takes effect at the next start unless
 * `appliesAtOnce`.
 */
export const VIEW_KEYS: readonly string[] = [
  'units',
  'listen', 'rtmp', 'rtmpApp', 'rtmpWriteHoldMs', 'srt', 'memfsMaxMb', 'diskDir', 'ffmpeg',
  'apiAuthEnabled', 'apiUsername', 'apiPassword', 'rtmpToken', 'srtToken',
  'ignoreIps', 'sessionTimeoutSec', 'inactiveTimeoutSec', 'maxSessions', 'maxBitrateMbit',
  'timeseries', 'timeseriesIntervalSec', 'timeseriesRawHours', 'timeseriesMinuteDays', 'timeseriesHourDays', 'timeseriesMaxMb',
  'historyBackend', 'prometheusUrl', 'prometheusAuth',
  'pollIntervalMs',
  'startHidden', 'trayScaleMbit',
];

/** A secret: write-only in the Settings view, kept in the secret store, never in settings.json. */
export function isSecret(spec: SettingSpec): boolean {
  return spec.secretEnv !== undefined || spec.secret === true;
}
