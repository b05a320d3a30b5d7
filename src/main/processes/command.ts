/**
 * From a process definition to FFmpeg's argument list: Core's placeholders resolved to the local core's own servers,
 * and the access rules checked (what a process may read and write). Pure apart from one `existsSync` for file inputs.
 *
 * Access rules (the local core runs FFmpeg with the user's rights, and the API is reachable from the loopback), for
 * every caller:
 * - Outputs go to a network URL (http(s), rtmp(s), srt, udp, rtp, tcp, rist, rtsp), to a path inside the disk
 *   folder (`--disk-dir`, placeholder `{diskfs}`), or to `-` with `-f null`.
 * - Inputs come from a network URL, a `-f lavfi` graph, or an existing file inside the disk folder.
 * - No option value may name a path outside the disk folder (a `..` segment anywhere counts as a path); options
 *   that write or read files of their own (`-report`, `-vstats_file`, `-pass`, `-graph_file`, `-protocol_whitelist`,
 *   FFmpeg 7's `-/OPTION FILE`, …) are refused; options whose value is a file name (`-hls_segment_filename`, …) take
 *   a network URL or a path inside the disk folder; the encoders' `-x264-params`-style lists may not name files.
 * - Filter graphs are parsed as FFmpeg parses them (filter-graph.ts): filters that load code (ladspa, lv2, frei0r,
 *   dnn_*, …) or open files and sockets (movie, subtitles, sendcmd, zmq, …) are refused; filters with a file option
 *   (drawtext's textfile, psnr's stats_file, …) take it by name and inside the disk folder only.
 * An anonymous caller (CallerTrust) gets, on top, the restreaming profile's allow list (anonymous-profile.ts), and its
 * outputs go to memfs or the network only, never into the disk folder (nothing bounds what FFmpeg writes there).
 * FFmpeg runs in a private working folder (runner.ts), so a relative name never lands where the app was started.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { checkProfileGraph, checkProfileOptions, FULL_FFMPEG } from './anonymous-profile.ts';
import { ProcessConfigError, type ProcessConfig, type ProcessIo } from './config.ts';
import { parseFilterGraph } from './filter-graph.ts';

/**
 * Who asks for a process: the `owner` (the desktop window's IPC, or a caller that proved the API login) gets Core's
 * rules; `anonymous` (API auth off: the v3 API and the headless page) gets the restreaming profile on top. Decided
 * where the request arrives (app.ts) and passed down; a saved process was checked for its caller when it was created.
 */
export type CallerTrust = 'owner' | 'anonymous';

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
  // Two-pass logs go to ffmpeg2pass-N.log in the working folder; no restreaming needs them.
  '-pass',
  // The lavfi device reads its graph from this file.
  '-graph_file',
  // Widen what a demuxer may open (an HLS or concat list naming local files, a mov's external references).
  '-protocol_whitelist',
  '-protocol_blacklist',
  '-safe',
  '-allowed_extensions',
  '-allowed_segment_extensions',
  '-enable_drefs',
  '-dump_separator',
]);
/** Options whose value is a file FFmpeg writes or reads: a network URL or a path inside the disk folder only. */
const FILE_VALUE_OPTIONS = new Set(['-hls_segment_filename', '-hls_key_info_file', '-segment_list', '-key_info_file']);
/** Encoder parameter lists (`key=value:key=value`) and their keys that name files (stats, CSV, analysis, dumps). */
const PARAM_LIST_OPTIONS = /^-(x264-params|x264opts|x265-params|svtav1-params|aom-params|rav1e-params|kvazaar-params)$/;
const PARAM_FILE_KEYS = /^(stats|dump-yuv|qpfile|cqmfile|tcfile-in|tcfile-out|csv|analysis-save|analysis-load|analysis-reuse-file|dolby-vision-rpu|scaling-list|lambda-file|zonefile|zones-file|recon|dhdr10-info|hdr10-json|fgs-table|film-grain-table|passlogfile|stats-file)$/i;
/** Filters that load code (shared objects, OpenCL programs, neural-network models) or open files and sockets on their own. */
const NEVER_FILTERS = new Set([
  'ladspa', 'lv2', 'frei0r', 'frei0r_src', 'dnn_classify', 'dnn_detect', 'dnn_processing', 'sr', 'derain', 'program_opencl', 'openclsrc', 'libplacebo',
  'xfade_opencl', 'movie', 'amovie', 'sendcmd', 'asendcmd', 'zmq', 'azmq', 'subtitles', 'ass', 'lut3d', 'haldclut', 'asr', 'ocr', 'lensfun', 'coreimage',
  'coreimagesrc',
]);
/**
 * Filters with options that name a file they read or write: those keys must be given by name and lie inside the disk
 * folder. From every filter's string options in `ffmpeg -h filter=NAME` (5.1) that name a file, a path or a model,
 * plus the newer qrencode.
 */
const FILE_OPTION_FILTERS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    drawtext: ['textfile', 'fontfile'],
    flite: ['textfile', 'voice'],
    psnr: ['stats_file', 'f'],
    ssim: ['stats_file', 'f'],
    vmafmotion: ['stats_file'],
    libvmaf: ['log_path', 'model_path', 'model'],
    metadata: ['file'],
    ametadata: ['file'],
    vidstabdetect: ['result'],
    vidstabtransform: ['input'],
    deshake: ['filename'],
    signature: ['filename'],
    removelogo: ['filename', 'f'],
    cover_rect: ['cover'],
    find_rect: ['object'],
    arnndn: ['model', 'm'],
    sofalizer: ['sofa'],
    lut1d: ['file'],
    curves: ['psfile', 'plot'],
    selectivecolor: ['psfile'],
    firequalizer: ['dumpfile'],
    fieldhint: ['hint'],
    nnedi: ['weights'],
    paletteuse: ['debug_kdtree'],
    showcqt: ['fontfile'],
    life: ['filename', 'f'],
    cellauto: ['filename', 'f'],
    qrencode: ['textfile'],
    qrencodesrc: ['textfile'],
  }).map(([name, keys]) => [name, new Set(keys)]),
);
/** Options whose value is a filter graph. */
const GRAPH_OPTION = /^-(vf|af|lavfi|filter|filter_complex|filter:[^ ]*)$/;
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
  return /^(\/|~|\.\.?\/|file:)/i.test(value) || /(^|[/\\])\.\.([/\\]|$)/.test(value);
}

/** A file FFmpeg opens by name: a network URL of an allowed scheme, or an absolute path inside the disk folder. */
function urlOrDiskPath(value: string, ep: LocalEndpoints): boolean {
  const scheme = schemeOf(value);
  if (scheme !== null && scheme !== 'file') return NETWORK_SCHEMES.has(scheme);
  return insideDisk(scheme === 'file' ? value.slice(5) : value, ep);
}

/** Checks one filter graph: no code-loading or file-opening filter, file options by name and inside the disk folder only. */
function checkGraph(graph: string, where: string, ep: LocalEndpoints): void {
  for (const f of parseFilterGraph(graph, where)) {
    if (NEVER_FILTERS.has(f.name)) throw new ProcessConfigError(`${where} uses the filter "${f.name}", which loads code or opens files or sockets of its own`);
    const fileKeys = FILE_OPTION_FILTERS.get(f.name);
    for (const a of f.args) {
      if (a.key !== null && a.key.startsWith('/')) throw new ProcessConfigError(`${where}: filter "${f.name}" option "${a.key}" reads its value from a file`);
      if (fileKeys === undefined) continue;
      if (a.key === null) throw new ProcessConfigError(`${where}: filter "${f.name}" names files, so give its options as key=value`);
      if (fileKeys.has(a.key) && !insideDisk(a.value.startsWith('file:') ? a.value.slice(5) : a.value, ep)) {
        throw new ProcessConfigError(`${where}: filter "${f.name}" option "${a.key}" names "${a.value.slice(0, 80)}", which is not inside the disk folder`);
      }
    }
  }
}

function optionValue(options: readonly string[], name: string): string | undefined {
  const i = options.lastIndexOf(name);
  return i >= 0 ? options[i + 1] : undefined;
}

function checkOptions(options: readonly string[], where: string, ep: LocalEndpoints): void {
  options.forEach((o, i) => {
    const name = o.split(':')[0];
    if (FORBIDDEN_OPTIONS.has(name) || /^-(vstats|report|dump_attachment|\/)/.test(o) || /^-(stats_(enc|mux)_(pre|post)|print_graphs_file)$/.test(name)) throw new ProcessConfigError(`${where}options[${i}] "${o}" is not allowed (it reads or writes files on its own)`);
    const path = o.startsWith('file:') ? o.slice(5) : o;
    if (looksLikePath(o) && !insideDisk(path, ep)) throw new ProcessConfigError(`${where}options[${i}] "${o}" names a path outside the disk folder`);
    const prev = options[i - 1] ?? '';
    if (FILE_VALUE_OPTIONS.has(prev) && !urlOrDiskPath(o, ep)) throw new ProcessConfigError(`${where}options[${i}] "${o}" (for ${prev}) must be a network URL or a path inside the disk folder`);
    if (PARAM_LIST_OPTIONS.test(prev)) {
      const key = o.split(':').map((kv) => kv.split('=')[0].trim()).find((k) => PARAM_FILE_KEYS.test(k));
      if (key !== undefined) throw new ProcessConfigError(`${where}options[${i}] (for ${prev}) sets "${key}", which names a file`);
    }
    if (GRAPH_OPTION.test(prev)) checkGraph(o, `${where}options[${i}]`, ep);
  });
}

function checkInput(io: ProcessIo, address: string, where: string, ep: LocalEndpoints): void {
  if (optionValue(io.options, '-f') === 'lavfi') return checkGraph(address, `${where}address`, ep);
  const scheme = schemeOf(address);
  if (scheme !== null && scheme !== 'file') {
    if (!NETWORK_SCHEMES.has(scheme)) throw new ProcessConfigError(`${where}address: the protocol "${scheme}:" is not allowed`);
    return;
  }
  const path = scheme === 'file' ? address.slice(5) : address;
  if (!insideDisk(path, ep)) throw new ProcessConfigError(`${where}address "${address}" is outside the disk folder`);
  if (!existsSync(path)) throw new ProcessConfigError(`${where}address "${address}" does not exist`);
}

/**
 * Security guard: an anonymous caller's outputs go to memfs or the network, never into the disk folder. FFmpeg writes
 * there directly with this user's rights and nothing bounds it (a recording grows for as long as it runs, an image
 * pattern writes a file a frame), while memfs holds at most `--memfs-max-mb` and purges the oldest first. An owner
 * keeps Core's semantics (any output inside the disk folder).
 */
function checkOutput(io: ProcessIo, address: string, where: string, ep: LocalEndpoints, trust: CallerTrust): void {
  if (address === '-' && optionValue(io.options, '-f') === 'null') return;
  const scheme = schemeOf(address);
  if (scheme !== null && scheme !== 'file') {
    if (!NETWORK_SCHEMES.has(scheme)) throw new ProcessConfigError(`${where}address: the protocol "${scheme}:" is not allowed`);
    return;
  }
  const path = scheme === 'file' ? address.slice(5) : address;
  if (!insideDisk(path, ep)) throw new ProcessConfigError(`${where}address "${address}" writes outside memfs and the disk folder`);
  if (trust === 'anonymous') throw new ProcessConfigError(`${where}address "${address.slice(0, 80)}" writes into the disk folder, which nothing bounds; write to {memfs} (at most --memfs-max-mb) or a network URL: ${FULL_FFMPEG}`);
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
export function resolveCommand(config: ProcessConfig, ep: LocalEndpoints, trust: CallerTrust): ResolvedCommand {
  const who = { id: config.id, reference: config.reference };
  const res = (s: string): string => resolvePlaceholders(s, ep, who);
  const anonymous = trust === 'anonymous';
  const options = config.options.map(res);
  if (anonymous) checkProfileOptions(options, 'global', '');
  checkOptions(options, '', ep);
  const input = config.input.map((io, i) => {
    const where = `input[${i}].`;
    const r: ResolvedIo = { id: io.id, configured: io.address, address: res(io.address), options: io.options.map(res) };
    if (anonymous) {
      checkProfileOptions(r.options, 'input', where);
      if (optionValue(r.options, '-f') === 'lavfi') checkProfileGraph(r.address, `${where}address`, true);
    }
    checkOptions(r.options, where, ep);
    checkInput(r, r.address, where, ep);
    return r;
  });
  const output = config.output.map((io, i) => {
    const where = `output[${i}].`;
    const r: ResolvedIo = { id: io.id, configured: io.address, address: res(io.address), options: io.options.map(res) };
    if (anonymous) checkProfileOptions(r.options, 'output', where);
    checkOptions(r.options, where, ep);
    checkOutput(r, r.address, where, ep, trust);
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
