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
 *   it serves: from an anonymous page, running and reading what it chooses).
 * - `cores:test`, `cores:add` and `cores:update` make this process fetch a URL of the page's choosing (server-side
 *   request forgery): link-local addresses (169.254.0.0/16, fe80::/10), which include the cloud metadata services,
 *   and the other known metadata addresses are refused, after resolving the host name. Cores given with `--core`
 *   or `--core-credentials` do not pass here and stay allowed.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CidrList } from '../../shared/cidr.ts';
import type { AppSettings, AppSettingsPatch, RemoteCoreInput } from '../../shared/ipc.ts';
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

/** Refuses a settings patch that widens exposure, when the caller is not authenticated (see the module comment). */
export async function checkSettingsPatch(patch: unknown, ctx: PageGuardContext): Promise<void> {
  if (ctx.authenticated || patch === null || typeof patch !== 'object') return;
  const p = patch as AppSettingsPatch;
  const now = await ctx.currentSettings();
  const refused: string[] = [];
  if (typeof p.listen === 'string' && p.listen.trim() !== now.listen) {
    let host = '';
    try {
      host = parseHostPort(p.listen, 'API address').host;
    } catch {
      // Malformed: the handler answers it with its own message.
    }
    if (host !== '' && !isLoopbackHost(host)) refused.push(`a non-loopback API address (${host})`);
  }
  if (p.apiAuthEnabled !== undefined && p.apiAuthEnabled !== now.apiAuthEnabled) refused.push('switching API auth');
  if (p.apiUsername !== undefined && p.apiUsername.trim() !== now.apiUsername) refused.push('the API user name');
  if (p.apiPassword !== undefined && p.apiPassword !== '') refused.push('the API password');
  const values = p.values !== null && typeof p.values === 'object' ? p.values : {};
  const changed = (key: string): boolean => key in values && (typeof values[key] === 'string' ? (values[key] as string).trim() : values[key]) !== now.values[key];
  for (const key of ['rtmp', 'srt']) {
    if (!changed(key) || typeof values[key] !== 'string') continue;
    let host = '';
    try {
      host = parseHostPort(values[key] as string, key).host;
    } catch {
      // `off` or malformed: the handler answers it.
    }
    if (host !== '' && !isLoopbackHost(host)) refused.push(`a non-loopback ${key.toUpperCase()} address (${host})`);
  }
  for (const key of ['rtmpToken', 'srtToken']) if (values[key] === '' && now.secretsSet.includes(key)) refused.push(`the ${key === 'rtmpToken' ? 'RTMP' : 'SRT'} token to none`);
  if (changed('ffmpeg')) refused.push('the FFmpeg binary');
  if (changed('diskDir')) refused.push('the disk folder');
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
    await checkCoreUrl((args[0] as AppSettingsPatch | undefined)?.prometheusUrl, resolve);
    return checkSettingsPatch(args[0], ctx);
  }
  // A webhook is a URL this process will POST to: the same refusal of link-local and metadata addresses.
  if (channel === 'alerts:test-webhook') return checkCoreUrl(args[0], resolve);
  if (channel === 'alerts:save-config') return checkCoreUrl((args[0] as { webhookUrl?: unknown } | undefined)?.webhookUrl, resolve);
  if (channel === 'cores:test' || channel === 'cores:add') return checkCoreUrl((args[0] as RemoteCoreInput | undefined)?.url, resolve);
  if (channel === 'cores:update') return checkCoreUrl((args[1] as RemoteCoreInput | undefined)?.url, resolve);
}
