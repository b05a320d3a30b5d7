/**
 * The app's settings: defaults, a JSON config file, and command-line flags (headless mode), in that order of
 * precedence (flags win). Pure: no I/O except reading the --config file, which the caller passes in.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { Shard } from './prometheus/shard.ts';
import { SETTINGS } from '../shared/settings-schema.ts';
import { ConfigError, parseSettingText, type Credentials, type ListenAddress } from './settings/values.ts';
import { helpText, parseFlags, type ParsedFlags } from './settings/flags.ts';

// The schema's parsers and the JSON reader, where callers have always found them.
export { ConfigError, parseCredentials, parseHostPort, type Credentials, type ListenAddress } from './settings/values.ts';
export { applyConfigObject, CORES_ENV } from './settings/flags.ts';

/** The app's settings; each field is a key of src/shared/settings-schema.ts (one name from flag to JSON). */
export interface AppConfig {
  /** The HTTP listener: v3 API, /metrics, /memfs, and the UI at /ui/ in headless mode. */
  listen: ListenAddress;
  dataDir: string;
  /** JWT login as Core's when set; the API is open otherwise (allowed on loopback only). */
  auth: Credentials | null;
  /** Signing secret part; random on every start when empty (as Core: tokens die with a restart). */
  jwtSecret: string;
  /** CIDRs whose sessions are not counted (`--ignore-ips`). */
  ignoreIps: string[];
  sessionTimeoutSec: number;
  persist: boolean;
  persistIntervalSec: number;
  maxSessions: number;
  maxBitrateMbit: number;
  rtmp: ListenAddress | null;
  rtmpToken: string;
  rtmpApp: string;
  /** How long RTMP players' writes are held across the publisher's reads (ms); 0: written at the end of each read. */
  rtmpWriteHoldMs: number;
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
  /** FFmpeg processes the local core keeps (`--max-processes`); a create beyond is refused. */
  maxProcesses: number;
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

export function defaultDataDir(): string {
  const xdg = process.env.XDG_DATA_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'share'), 'core-sessions');
}

/**
 * The defaults, from the schema (src/shared/settings-schema.ts `default`, read by each flag's parser): one source for
 * the config, `--help`, the README and the Settings view. A setting without one is none (`null`, a repeated flag's
 * `[]`); the data folder is computed here.
 */
export function defaultConfig(): AppConfig {
  const config: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const d = spec.default;
    if (d === undefined) config[spec.key] = spec.kind === 'repeated' ? [] : null;
    else config[spec.key] = typeof d === 'boolean' ? d : parseSettingText(spec, String(d), `the default of ${spec.key}`);
  }
  config.dataDir = defaultDataDir();
  return config as unknown as AppConfig;
}

/** The `--help` text, generated from the schema (src/main/settings/flags.ts). */
export const HELP = helpText();

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host) || host.toLowerCase().startsWith('::ffff:127.');
  return false;
}

/** What the command line asked for. */
export type ParsedArgs = ParsedFlags<AppConfig>;

/**
 * Parses flags (`--name value` or `--name=value`) over `base` (the defaults, or the defaults plus what the Settings
 * view saved). `readFile` loads a --config file; it is applied first and the other flags on top, whatever their order.
 */
export function parseArgs(argv: string[], readFile: (path: string) => string, base: AppConfig = defaultConfig(), env: Readonly<Record<string, string | undefined>> = process.env): ParsedArgs {
  return parseFlags(argv, readFile, base, env);
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
