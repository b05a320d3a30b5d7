/**
 * From a process definition to FFmpeg's argument list: Core's placeholders resolved to the local core's own servers,
 * and the access rules checked (what a process may read and write). Pure apart from one `existsSync` for file inputs.
 *
 * Access rules (the local core runs FFmpeg with the user's rights, and the API is reachable from the loopback):
 * - Outputs go to a network URL (http(s), rtmp(s), srt, udp, rtp, tcp, rist, rtsp), to a path inside the disk
 *   folder (`--disk-dir`, placeholder `{diskfs}`), or to `-` with `-f null`.
 * - Inputs come from a network URL, a `-f lavfi` graph without file-reading filters, or an existing file inside the
 *   disk folder.
 * - No option value may name a path outside the disk folder, and options that write files of their own
 *   (`-report`, `-vstats_file`, `-passlogfile`, …) or read scripts are refused.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ProcessConfigError, type ProcessConfig, type ProcessIo } from './config.ts';

/** The local core's own servers as FFmpeg reaches them (loopback URLs), or null when a server is off. */
export interface LocalEndpoints {
  /** e.g. `http://127.0.0.1:8787/memfs`, with `user:pass@` when memfs writes need basic auth. */
  memfsUrl: string | null;
  /** Absolute path of the disk folder. */
  diskDir: string | null;
  /** e.g. `rtmp://127.0.0.1:1935`. */
  rtmpUrl: string | null;
  rtmpApp: string;
  rtmpToken: string;
  /** e.g. `127.0.0.1:6000`. */
  srtHostPort: string | null;
  srtToken: string;
}

const NETWORK_SCHEMES = new Set(['http', 'https', 'rtmp', 'rtmps', 'rtmpt', 'srt', 'udp', 'rtp', 'tcp', 'rist', 'rtsp', 'rtsps']);
/** Options that make FFmpeg write or read files of their own choosing. */
const FORBIDDEN_OPTIONS = new Set([
  '-i',
  '-report',
  '-vstats',
  '-vstats_file',
  '-passlogfile',
  '-dump_attachment',
  '-attach',
  '-filter_script',
  '-filter_complex_script',
  '-sdp_file',
  '-progress',
  '-stdin',
  '-init_hw_device',
]);
/** lavfi filters that open files or sockets. */
const FILE_FILTERS = /(^|[^a-z_])(a?movie|sendcmd|asendcmd|zmq|azmq|lut3d|haldclut|subtitles|ass|frei0r)\s*[=:@,;[]?/i;
const PLACEHOLDER = /\{([A-Za-z]+)((?:,[^{}]*)?)\}/g;

function params(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of raw.split(',').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ProcessConfigError(`placeholder parameter "${part}" must be KEY=VALUE`);
    out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const RTMP_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** Replaces Core's placeholders in one string; an unknown placeholder or a server that is off throws. */
export function resolvePlaceholders(text: string, ep: LocalEndpoints, process: { id: string; reference: string }): string {
  return text.replace(PLACEHOLDER, (_all, name: string, rawParams: string) => {
    const p = params(rawParams.startsWith(',') ? rawParams.slice(1) : rawParams);
    switch (name) {
      case 'processid':
        return process.id;
      case 'reference':
        return process.reference;
      case 'memfs':
        if (ep.memfsUrl === null) throw new ProcessConfigError('{memfs} is not available');
        return ep.memfsUrl;
      case 'diskfs':
        if (ep.diskDir === null) throw new ProcessConfigError('{diskfs} needs a disk folder (--disk-dir)');
        return ep.diskDir;
      case 'rtmp': {
        if (ep.rtmpUrl === null) throw new ProcessConfigError('{rtmp} needs the RTMP server (it is off)');
        const stream = p.get('name') ?? '';
        if (!RTMP_NAME.test(stream) || stream.split('/').some((seg) => /^\.+$/.test(seg))) throw new ProcessConfigError(`{rtmp,name=...} needs a name of letters, digits and _ . - /, not "${stream}"`);
        // FFmpeg's RTMP client takes the first path element as the app: a one-element path would play an empty
        // name. A plain name therefore lives under the app (`/live` when the server's app is `/`).
        const app = ep.rtmpApp.replace(/^\/+|\/+$/g, '');
        const path = stream.includes('/') ? stream : `${app !== '' ? app : 'live'}/${stream}`;
        const token = ep.rtmpToken !== '' ? `?token=${encodeURIComponent(ep.rtmpToken)}` : '';
        return `${ep.rtmpUrl}/${path}${token}`;
      }
      case 'srt': {
        if (ep.srtHostPort === null) throw new ProcessConfigError('{srt} needs the SRT server (it is off)');
        const stream = p.get('name') ?? '';
        if (!NAME.test(stream)) throw new ProcessConfigError(`{srt,name=...} needs a name of letters, digits and _ . -, not "${stream}"`);
        const mode = p.get('mode') ?? 'request';
        if (mode !== 'publish' && mode !== 'request') throw new ProcessConfigError(`{srt,...,mode=} must be publish or request, not "${mode}"`);
        const token = ep.srtToken !== '' ? `,token:${ep.srtToken}` : '';
        return `srt://${ep.srtHostPort}?mode=caller&transtype=live&streamid=${stream},mode:${mode}${token}`;
      }
      default:
        throw new ProcessConfigError(`unknown placeholder {${name}${rawParams}}`);
    }
  });
}

function schemeOf(address: string): string | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(address);
  return m && m[1].length > 1 ? m[1].toLowerCase() : null;
}

function insideDisk(path: string, ep: LocalEndpoints): boolean {
  if (ep.diskDir === null || !isAbsolute(path)) return false;
  const rel = relative(resolve(ep.diskDir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function looksLikePath(value: string): boolean {
  return /^(\/|~|\.\.?\/|file:)/i.test(value);
}

function optionValue(options: readonly string[], name: string): string | undefined {
  const i = options.lastIndexOf(name);
  return i >= 0 ? options[i + 1] : undefined;
}

function checkOptions(options: readonly string[], where: string, ep: LocalEndpoints): void {
  options.forEach((o, i) => {
    if (FORBIDDEN_OPTIONS.has(o) || /^-(vstats|report|dump_attachment)/.test(o)) throw new ProcessConfigError(`${where}options[${i}] "${o}" is not allowed (it reads or writes files on its own)`);
    const path = o.startsWith('file:') ? o.slice(5) : o;
    if (looksLikePath(o) && !insideDisk(path, ep)) throw new ProcessConfigError(`${where}options[${i}] "${o}" names a path outside the disk folder`);
    if (FILE_FILTERS.test(o) && /^-(vf|af|lavfi|filter|filter_complex|filter:[av]|[av]f)$/.test(options[i - 1] ?? '')) {
      throw new ProcessConfigError(`${where}options[${i}] uses a filter that opens files`);
    }
  });
}

function checkInput(io: ProcessIo, address: string, where: string, ep: LocalEndpoints): void {
  if (optionValue(io.options, '-f') === 'lavfi') {
    if (FILE_FILTERS.test(address)) throw new ProcessConfigError(`${where}address uses a filter that opens files`);
    return;
  }
  const scheme = schemeOf(address);
  if (scheme !== null && scheme !== 'file') {
    if (!NETWORK_SCHEMES.has(scheme)) throw new ProcessConfigError(`${where}address: the protocol "${scheme}:" is not allowed`);
    return;
  }
  const path = scheme === 'file' ? address.slice(5) : address;
  if (!insideDisk(path, ep)) throw new ProcessConfigError(`${where}address "${address}" is outside the disk folder`);
  if (!existsSync(path)) throw new ProcessConfigError(`${where}address "${address}" does not exist`);
}

function checkOutput(io: ProcessIo, address: string, where: string, ep: LocalEndpoints): void {
  if (address === '-' && optionValue(io.options, '-f') === 'null') return;
  const scheme = schemeOf(address);
  if (scheme !== null && scheme !== 'file') {
    if (!NETWORK_SCHEMES.has(scheme)) throw new ProcessConfigError(`${where}address: the protocol "${scheme}:" is not allowed`);
    return;
  }
  const path = scheme === 'file' ? address.slice(5) : address;
  if (!insideDisk(path, ep)) throw new ProcessConfigError(`${where}address "${address}" writes outside memfs and the disk folder`);
}

/** One resolved input or output: the address FFmpeg is given (before any relay rewrite). */
export interface ResolvedIo {
  id: string;
  /** The address as configured, placeholders unresolved (Core's progress shows this). */
  configured: string;
  address: string;
  options: string[];
}

export interface ResolvedCommand {
  options: string[];
  input: ResolvedIo[];
  output: ResolvedIo[];
}

/**
 * Resolves placeholders and checks the access rules; throws ProcessConfigError naming the first problem. Run at
 * create/update time (a 400 then) and again before every start (the servers' ports may differ after a restart).
 */
export function resolveCommand(config: ProcessConfig, ep: LocalEndpoints): ResolvedCommand {
  const who = { id: config.id, reference: config.reference };
  const res = (s: string): string => resolvePlaceholders(s, ep, who);
  const options = config.options.map(res);
  checkOptions(options, '', ep);
  const input = config.input.map((io, i) => {
    const where = `input[${i}].`;
    const r: ResolvedIo = { id: io.id, configured: io.address, address: res(io.address), options: io.options.map(res) };
    checkOptions(r.options, where, ep);
    checkInput(r, r.address, where, ep);
    return r;
  });
  const output = config.output.map((io, i) => {
    const where = `output[${i}].`;
    const r: ResolvedIo = { id: io.id, configured: io.address, address: res(io.address), options: io.options.map(res) };
    checkOptions(r.options, where, ep);
    checkOutput(r, r.address, where, ep);
    return r;
  });
  return { options, input, output };
}

/** The argument list: global options, then each input's options and `-i ADDRESS`, then each output's options and address. */
export function buildArgs(cmd: ResolvedCommand, progress: string[]): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', ...progress, ...cmd.options];
  for (const io of cmd.input) args.push(...io.options, '-i', io.address);
  for (const io of cmd.output) args.push(...io.options, io.address);
  return args;
}
