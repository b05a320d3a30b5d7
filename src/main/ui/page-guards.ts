/**
 * Security guards on what the dashboard *web page* (headless mode, src/main/ui/web-bridge.ts) may invoke, on top of
 * the bridge's auth and the HTTP Host/Origin guards (docs/security.md). The Electron window speaks IPC to its own
 * main process and is not subject to these: it is the local shell.
 *
 * - With API auth off, anyone who can make the page's requests is anonymous, so settings that widen the app's
 *   exposure on the next start are refused: a non-loopback listen address, switching auth on or off, setting the
 *   API's user name or password. They stay available from the command line (`--listen`, `--auth`) and the desktop app.
 *   The same holds for the local core's servers: a non-loopback RTMP or SRT address, removing the RTMP or SRT token,
 *   and the FFmpeg binary and the disk folder at all (the first is a program this process runs, the second a folder
 *   it serves: from an anonymous page, running and reading what it chooses). The Prometheus auth: removing it, or
 *   changing the Prometheus URL while it is set without giving a new one (this process would send the stored
 *   credentials to a host the page chose). Who may: the desktop app (its own window, IPC) and a page that proved the
 *   API's login; an anonymous page may set a new secret, never remove one. The limits on what clients can make the
 *   server hold (memfs size, max sessions, ...; `limitsClients` in the schema) are the owner's too: the anonymous page
 *   may not change them either way, and is told so (`ownerOnly`).
 * - `cores:test`, `cores:add` and `cores:update` make this process fetch a URL of the page's choosing (server-side
 *   request forgery): link-local addresses (169.254.0.0/16, fe80::/10), which include the cloud metadata services,
 *   and the other known metadata addresses are refused, after resolving the host name. Cores given with `--core`
 *   or `--core-credentials` do not pass here and stay allowed.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CidrList } from '../../shared/cidr.ts';
import type { AppSettings, AppSettingsPatch, RemoteCoreInput } from '../../shared/ipc.ts';
import { settingSpec, VIEW_KEYS } from '../../shared/settings-schema.ts';
import { isLoopbackHost, parseHostPort } from '../config.ts';
import { UiError } from './app-control.ts';

/** Resolves a host name to its addresses (injected in tests). */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface PageGuardContext {
  /** The caller proved the API's credentials (auth on). False when auth is off: the caller is anyone. */
  authenticated: boolean;
  /** The settings as they are now (to tell a change from the page re-sending the whole form). */
  currentSettings: () => Promise<AppSettings>;
  resolve?: ResolveHost;
}

const FORBIDDEN = CidrList.parse(
  [
    '169.254.0.0/16', // link-local: AWS, GCP, Azure, DigitalOcean, ... metadata at .169.254
    '100.100.100.200', // Alibaba Cloud metadata
    '168.63.129.16', // Azure WireServer
    'fe80::/10', // IPv6 link-local
    'fd00:ec2::254', // AWS metadata over IPv6
  ],
  'forbidden Core addresses',
);

/** Whether an address is link-local or a cloud metadata address (IPv4-mapped IPv6, brackets and zones included). */
export function isForbiddenCoreAddress(address: string): boolean {
  return FORBIDDEN.contains(address);
}

const systemResolve: ResolveHost = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((r) => r.address);

/** Refuses a remote Core URL whose host is, or resolves to, a forbidden address. Unresolvable names pass (the call fails anyway). */
export async function checkCoreUrl(raw: unknown, resolve: ResolveHost = systemResolve): Promise<void> {
  if (typeof raw !== 'string') return;
  let host: string;
  try {
    host = new URL(raw).hostname;
  } catch {
    return; // the handler answers the invalid URL itself
  }
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(bare) !== 0) addresses = [bare];
  else {
    try {
      addresses = await resolve(bare);
    } catch {
      addresses = [];
    }
  }
  const bad = addresses.find(isForbiddenCoreAddress);
  if (bad !== undefined) {
    throw new UiError(
      'forbidden-address',
      `refused: ${host === bad ? bad : `${host} (${bad})`} is a link-local or cloud metadata address; ` +
        'the dashboard cannot reach it. Give such a Core with --core on the command line if you really mean it.',
    );
  }
}

/** The secrets an anonymous page may replace but not remove (each protects something this process serves or sends). */
const KEPT_SECRETS = ['rtmpToken', 'srtToken', 'prometheusAuth'] as const;

/** What the anonymous page is told of the secrets it may not remove: the API password (not even set) and the kept ones. */
const ANONYMOUS_KEPT = {
  keys: ['apiPassword', ...KEPT_SECRETS],
  reason: 'With API auth off this page cannot remove it: any page you open could do it too. Replace it here, or remove it from the desktop app or a page with the API login.',
};

/**
 * Security guard: the Settings view's keys an anonymous page may not change at all. The limits on what clients can
 * make the server hold (`limitsClients` in the schema: memfs size, max sessions and bitrate, the session timeout, the
 * time series' size), since whoever raises them is a client the limit is there for (with auth off, any program on
 * the machine); and the API login switch and user, the FFmpeg binary and the disk folder (refused below with their
 * own words). Lowering a limit is refused too: it is the owner's capacity, and a limit of 1 shuts viewers out.
 */
const OWNER_ONLY_KEYS: readonly string[] = VIEW_KEYS.filter((key) => settingSpec(key)?.limitsClients === true || ['apiAuthEnabled', 'apiUsername', 'ffmpeg', 'diskDir'].includes(key));
const OWNER_ONLY_REASON = 'With API auth off, read-only here (any local program could change it): use its flag, the desktop app or the API login.';

/**
 * The settings as this page may act on them: an anonymous page is told which set secrets it may not remove, and
 * which settings it may not change, and why, so it says so instead of offering what the guard below would refuse.
 */
export function settingsForPage(settings: AppSettings, authenticated: boolean): AppSettings {
  if (authenticated) return settings;
  return { ...settings, keptSecrets: { keys: [...ANONYMOUS_KEPT.keys], reason: ANONYMOUS_KEPT.reason }, ownerOnly: { keys: [...OWNER_ONLY_KEYS], reason: OWNER_ONLY_REASON } };
}

/** The host of a `HOST:PORT` text, or '' when it is not one (`off`, malformed: the settings store answers those). */
function hostOf(text: unknown, what: string): string {
  if (typeof text !== 'string') return '';
  try {
    return parseHostPort(text, what).host;
  } catch {
    return '';
  }
}

/** Refuses a settings patch that widens exposure, when the caller is not authenticated (see the module comment). */
export async function checkSettingsPatch(patch: unknown, ctx: PageGuardContext): Promise<void> {
  if (ctx.authenticated || patch === null || typeof patch !== 'object') return;
  const p = patch as Partial<AppSettingsPatch>;
  const values: Record<string, unknown> = p.values !== null && typeof p.values === 'object' ? p.values : {};
  if (Object.keys(values).length === 0) return;
  const now = await ctx.currentSettings();
  const refused: string[] = [];
  const changed = (key: string): boolean => key in values && (typeof values[key] === 'string' ? (values[key] as string).trim() : values[key]) !== now.values[key];
  const label = (key: string): string => settingSpec(key)?.label ?? key;
  for (const key of ['listen', 'rtmp', 'srt']) {
    const host = changed(key) ? hostOf(values[key], key) : '';
    if (host !== '' && !isLoopbackHost(host)) refused.push(`a non-loopback ${key === 'listen' ? 'API' : key.toUpperCase()} address (${host})`);
  }
  if (changed('apiAuthEnabled')) refused.push('switching API auth');
  if (changed('apiUsername')) refused.push('the API user name');
  if ('apiPassword' in values && (values.apiPassword !== '' || now.secretsSet.includes('apiPassword'))) refused.push('the API password');
  for (const key of KEPT_SECRETS) if (values[key] === '' && now.secretsSet.includes(key)) refused.push(`the ${label(key)} to none`);
  const newAuth = typeof values.prometheusAuth === 'string' && values.prometheusAuth !== '';
  if (changed('prometheusUrl') && now.secretsSet.includes('prometheusAuth') && !newAuth) refused.push('the Prometheus URL while its auth is set (the auth would go to that host; give it again with the URL)');
  if (changed('ffmpeg')) refused.push('the FFmpeg binary');
  if (changed('diskDir')) refused.push('the disk folder');
  for (const key of OWNER_ONLY_KEYS) if (settingSpec(key)?.limitsClients === true && changed(key)) refused.push(`the limit "${label(key)}"`);
  if (refused.length > 0) {
    throw new UiError(
      'forbidden',
      `with API auth off, the web page cannot change ${refused.join(', ')}: any page you open could do it too. ` +
        'Use --listen and --auth on the command line, or the desktop app.',
    );
  }
}

/** All page guards for one invoke; throws a UiError when the call is refused. */
export async function checkPageInvoke(channel: string, args: unknown[], ctx: PageGuardContext): Promise<void> {
  const resolve = ctx.resolve ?? systemResolve;
  if (channel === 'settings:update') {
    await checkCoreUrl((args[0] as Partial<AppSettingsPatch> | undefined)?.values?.prometheusUrl, resolve);
    return checkSettingsPatch(args[0], ctx);
  }
  // A webhook is a URL this process will POST to: the same refusal of link-local and metadata addresses.
  if (channel === 'alerts:test-webhook') return checkCoreUrl(args[0], resolve);
  if (channel === 'alerts:save-config') return checkCoreUrl((args[0] as { webhookUrl?: unknown } | undefined)?.webhookUrl, resolve);
  if (channel === 'cores:test' || channel === 'cores:add') return checkCoreUrl((args[0] as RemoteCoreInput | undefined)?.url, resolve);
  if (channel === 'cores:update') return checkCoreUrl((args[1] as RemoteCoreInput | undefined)?.url, resolve);
}
