/**
 * The restreaming profile: what a process may ask of FFmpeg when its caller is anonymous (API auth off, so anyone
 * who reaches the loopback port: every program and account on the machine). An allow list, not a deny list:
 * - options by name from OPTIONS, each where FFmpeg takes it (global, input, output), each value checked by its
 *   kind (numbers, times, sizes, codec and format names from lists, flags); no value may name a file;
 * - filter graphs parsed as FFmpeg parses them (filter-graph.ts), every filter from FILTERS (lavfi sources for
 *   `-f lavfi` inputs, plain video/audio filters elsewhere); none of them has an option that names a file, and a
 *   key with `/` (FFmpeg 7's "value from a file") is refused.
 * The addresses are command.ts's rules, the same for every caller. A refusal says which option or filter, why, and
 * how to get full FFmpeg (FULL_FFMPEG). Pure; bad input throws only ProcessConfigError.
 */
import { ProcessConfigError } from './config.ts';
import { parseFilterGraph } from './filter-graph.ts';

/** How an anonymous caller gets the whole of FFmpeg. */
export const FULL_FFMPEG = 'an anonymous caller (API auth is off) gets the restreaming profile only; for full FFmpeg start the app with --auth and log in, or use the desktop app';

/** Where FFmpeg takes an option: before everything, before an input's `-i`, before an output's address. */
export type OptionScope = 'global' | 'input' | 'output';

type ValueKind =
  | 'flag'
  | 'int'
  | 'number'
  | 'bitrate'
  | 'time'
  | 'size'
  | 'rate'
  | 'word'
  | 'flags'
  | 'encoder'
  | 'decoder'
  | 'inFormat'
  | 'outFormat'
  | 'map'
  | 'graph'
  | 'method'
  | 'loglevel'
  | 'bsf'
  | 'expr';

interface OptionSpec {
  kind: ValueKind;
  scopes: readonly OptionScope[];
  /** Takes a stream specifier (`-c:v`, `-b:a:0`, `-filter:v`). */
  perStream?: boolean;
}

const G: readonly OptionScope[] = ['global'];
const I: readonly OptionScope[] = ['input'];
const O: readonly OptionScope[] = ['output'];
const IO: readonly OptionScope[] = ['input', 'output'];

/**
 * The options of the profile, by name without the stream specifier. Arity matters: FFmpeg reads the next argument as
 * this option's value unless it is a flag, and a wrong arity here would let a file name pass as a value, so every
 * `flag` is one of FFmpeg's OPT_BOOL options and every other kind takes exactly one value.
 */
const OPTIONS: ReadonlyMap<string, OptionSpec> = new Map<string, OptionSpec>([
  // global
  ['-y', { kind: 'flag', scopes: G }],
  ['-loglevel', { kind: 'loglevel', scopes: G }],
  ['-v', { kind: 'loglevel', scopes: G }],
  ['-filter_complex', { kind: 'graph', scopes: G }],
  ['-lavfi', { kind: 'graph', scopes: G }],
  ['-filter_threads', { kind: 'int', scopes: G }],
  ['-stats_period', { kind: 'time', scopes: G }],
  ['-copyts', { kind: 'flag', scopes: G }],
  ['-start_at_zero', { kind: 'flag', scopes: G }],
  // input
  ['-re', { kind: 'flag', scopes: I }],
  ['-readrate', { kind: 'number', scopes: I }],
  ['-stream_loop', { kind: 'int', scopes: I }],
  ['-itsoffset', { kind: 'time', scopes: I }],
  ['-thread_queue_size', { kind: 'int', scopes: I }],
  ['-analyzeduration', { kind: 'int', scopes: I }],
  ['-probesize', { kind: 'int', scopes: I }],
  ['-rw_timeout', { kind: 'int', scopes: I }],
  ['-timeout', { kind: 'int', scopes: I }],
  ['-reconnect', { kind: 'int', scopes: I }],
  ['-reconnect_streamed', { kind: 'int', scopes: I }],
  ['-reconnect_at_eof', { kind: 'int', scopes: I }],
  ['-reconnect_delay_max', { kind: 'int', scopes: I }],
  ['-rtmp_live', { kind: 'word', scopes: I }],
  ['-rtmp_buffer', { kind: 'int', scopes: I }],
  ['-rtsp_transport', { kind: 'word', scopes: I }],
  ['-live_start_index', { kind: 'int', scopes: I }],
  ['-framerate', { kind: 'rate', scopes: I }],
  ['-video_size', { kind: 'size', scopes: I }],
  // input and output
  ['-f', { kind: 'outFormat', scopes: IO }], // inFormat for inputs (checkProfileOptions)
  ['-c', { kind: 'encoder', scopes: IO, perStream: true }], // decoder for inputs
  ['-codec', { kind: 'encoder', scopes: IO, perStream: true }],
  ['-ss', { kind: 'time', scopes: IO }],
  ['-t', { kind: 'time', scopes: IO }],
  ['-to', { kind: 'time', scopes: IO }],
  ['-fflags', { kind: 'flags', scopes: IO }],
  ['-r', { kind: 'rate', scopes: IO, perStream: true }],
  ['-s', { kind: 'size', scopes: IO, perStream: true }],
  ['-pix_fmt', { kind: 'word', scopes: IO, perStream: true }],
  ['-ar', { kind: 'int', scopes: IO, perStream: true }],
  ['-ac', { kind: 'int', scopes: IO, perStream: true }],
  ['-an', { kind: 'flag', scopes: IO }],
  ['-vn', { kind: 'flag', scopes: IO }],
  ['-sn', { kind: 'flag', scopes: IO }],
  ['-dn', { kind: 'flag', scopes: IO }],
  // output
  ['-vcodec', { kind: 'encoder', scopes: O }],
  ['-acodec', { kind: 'encoder', scopes: O }],
  ['-b', { kind: 'bitrate', scopes: O, perStream: true }],
  ['-maxrate', { kind: 'bitrate', scopes: O, perStream: true }],
  ['-minrate', { kind: 'bitrate', scopes: O, perStream: true }],
  ['-bufsize', { kind: 'bitrate', scopes: O, perStream: true }],
  ['-g', { kind: 'int', scopes: O, perStream: true }],
  ['-keyint_min', { kind: 'int', scopes: O, perStream: true }],
  ['-bf', { kind: 'int', scopes: O, perStream: true }],
  ['-refs', { kind: 'int', scopes: O, perStream: true }],
  ['-sc_threshold', { kind: 'int', scopes: O, perStream: true }],
  ['-crf', { kind: 'number', scopes: O, perStream: true }],
  ['-q', { kind: 'number', scopes: O, perStream: true }],
  ['-qp', { kind: 'int', scopes: O, perStream: true }],
  ['-preset', { kind: 'word', scopes: O, perStream: true }],
  ['-tune', { kind: 'word', scopes: O, perStream: true }],
  ['-profile', { kind: 'word', scopes: O, perStream: true }],
  ['-level', { kind: 'number', scopes: O, perStream: true }],
  ['-aspect', { kind: 'rate', scopes: O, perStream: true }],
  ['-threads', { kind: 'int', scopes: O, perStream: true }],
  ['-strict', { kind: 'word', scopes: O, perStream: true }],
  ['-tag', { kind: 'word', scopes: O, perStream: true }],
  ['-bsf', { kind: 'bsf', scopes: O, perStream: true }],
  ['-force_key_frames', { kind: 'expr', scopes: O, perStream: true }],
  ['-frames', { kind: 'int', scopes: O, perStream: true }],
  ['-vframes', { kind: 'int', scopes: O }],
  ['-map', { kind: 'map', scopes: O }],
  ['-map_metadata', { kind: 'int', scopes: O }],
  ['-vf', { kind: 'graph', scopes: O }],
  ['-af', { kind: 'graph', scopes: O }],
  ['-filter', { kind: 'graph', scopes: O, perStream: true }],
  ['-shortest', { kind: 'flag', scopes: O }],
  ['-fps_mode', { kind: 'word', scopes: O, perStream: true }],
  ['-vsync', { kind: 'word', scopes: O }],
  ['-max_muxing_queue_size', { kind: 'int', scopes: O, perStream: true }],
  ['-muxdelay', { kind: 'number', scopes: O }],
  ['-muxpreload', { kind: 'number', scopes: O }],
  ['-flush_packets', { kind: 'int', scopes: O }],
  ['-flvflags', { kind: 'flags', scopes: O }],
  ['-movflags', { kind: 'flags', scopes: O }],
  ['-method', { kind: 'method', scopes: O }],
  ['-http_persistent', { kind: 'int', scopes: O }],
  ['-hls_time', { kind: 'number', scopes: O }],
  ['-hls_init_time', { kind: 'number', scopes: O }],
  ['-hls_list_size', { kind: 'int', scopes: O }],
  ['-hls_flags', { kind: 'flags', scopes: O }],
  ['-hls_segment_type', { kind: 'word', scopes: O }],
  ['-hls_playlist_type', { kind: 'word', scopes: O }],
  ['-hls_allow_cache', { kind: 'int', scopes: O }],
  ['-start_number', { kind: 'int', scopes: O }],
  ['-seg_duration', { kind: 'number', scopes: O }],
  ['-window_size', { kind: 'int', scopes: O }],
  ['-extra_window_size', { kind: 'int', scopes: O }],
  ['-streaming', { kind: 'int', scopes: O }],
  ['-use_template', { kind: 'int', scopes: O }],
  ['-use_timeline', { kind: 'int', scopes: O }],
  ['-mpegts_flags', { kind: 'flags', scopes: O }],
  ['-muxrate', { kind: 'bitrate', scopes: O }],
  ['-pkt_size', { kind: 'int', scopes: O }],
]);

/** Encoders (and `copy`) for restreaming; hardware encoders need device options that are not in the profile. */
const ENCODERS = new Set([
  'copy', 'libx264', 'libx264rgb', 'libx265', 'libvpx', 'libvpx-vp9', 'libaom-av1', 'libsvtav1', 'librav1e', 'mpeg2video', 'mpeg4', 'mjpeg', 'rawvideo',
  'aac', 'libfdk_aac', 'libopus', 'opus', 'libmp3lame', 'mp2', 'ac3', 'eac3', 'flac', 'libvorbis', 'pcm_s16le', 'pcm_s16be', 'pcm_mulaw', 'pcm_alaw',
]);
/** Decoders for `-c` before an input (FFmpeg's native ones for the formats below). */
const DECODERS = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg2video', 'mpeg4', 'mjpeg', 'rawvideo', 'aac', 'mp3', 'mp2', 'ac3', 'eac3', 'opus', 'vorbis', 'flac', 'pcm_s16le']);
/** Demuxers: streams, and lavfi for generated sources. No concat, image2, sdp, dash or the like (they open further files). */
const IN_FORMATS = new Set(['lavfi', 'flv', 'live_flv', 'mpegts', 'hls', 'rtsp', 'mov', 'mp4', 'matroska', 'webm', 'aac', 'mp3', 'ac3', 'h264', 'hevc', 'ogg', 'wav', 'mjpeg', 'mpjpeg', 'nut']);
/** Muxers: streams and HLS/DASH to a URL. No tee, segment or image2 (they open outputs of their own choosing). */
const OUT_FORMATS = new Set(['null', 'flv', 'mpegts', 'hls', 'dash', 'rtsp', 'rtp', 'rtp_mpegts', 'mp4', 'mov', 'ismv', 'matroska', 'webm', 'nut', 'adts', 'mp3', 'ac3', 'ogg', 'opus', 'wav', 'h264', 'hevc', 'mjpeg', 'mpjpeg']);
const LOG_LEVELS = /^(\+?(repeat|level)\+)*(quiet|panic|fatal|error|warning|info|verbose|debug|trace|-8|0|8|16|24|32|40|48|56)$/;

/** lavfi sources (the `-f lavfi` input's first filter): test patterns and silence, nothing that reads a file or a device. */
const SOURCES = new Set(['testsrc', 'testsrc2', 'rgbtestsrc', 'yuvtestsrc', 'smptebars', 'smptehdbars', 'pal75bars', 'pal100bars', 'color', 'allrgb', 'allyuv', 'mandelbrot', 'gradients', 'nullsrc', 'sine', 'anullsrc', 'anoisesrc', 'aevalsrc']);
/**
 * Filters: scaling, timing, formats, layout, simple audio. Each was checked with `ffmpeg -h filter=NAME` (FFmpeg 5.1)
 * to have no option that names a file or a device (docs/decisions.md, "What an anonymous caller may make FFmpeg do").
 */
const FILTERS = new Set([
  'scale', 'fps', 'format', 'setpts', 'asetpts', 'setsar', 'setdar', 'settb', 'asettb', 'crop', 'pad', 'overlay', 'split', 'asplit', 'null', 'anull', 'copy',
  'hflip', 'vflip', 'transpose', 'rotate', 'drawbox', 'drawgrid', 'fade', 'afade', 'trim', 'atrim', 'hstack', 'vstack', 'xstack', 'yadif', 'bwdif',
  'aresample', 'aformat', 'volume', 'amix', 'amerge', 'pan', 'channelsplit', 'loudnorm', 'dynaudnorm', 'apad', 'atempo', 'highpass', 'lowpass', 'equalizer', 'acompressor',
  'eq', 'hue', 'colorchannelmixer', 'boxblur', 'gblur', 'unsharp', 'noise', 'framerate', 'tpad', 'select', 'aselect', 'concat', 'showwaves', 'showvolume',
]);

/** The profile's FFmpeg names by kind, as FFmpeg lists them (`-filters`, `-encoders`, ...): a test checks them against the installed FFmpeg. */
export const PROFILE_NAMES: Readonly<Record<'filters' | 'sources' | 'encoders' | 'decoders' | 'inFormats' | 'outFormats', ReadonlySet<string>>> = {
  filters: FILTERS,
  sources: SOURCES,
  encoders: ENCODERS,
  decoders: DECODERS,
  inFormats: IN_FORMATS,
  outFormats: OUT_FORMATS,
};

function refuse(where: string, what: string, why: string): never {
  throw new ProcessConfigError(`${where}${what} ${why}: ${FULL_FFMPEG}`);
}

const PATTERNS: Partial<Record<ValueKind, RegExp>> = {
  int: /^-?\d{1,12}$/,
  number: /^-?\d{1,12}(\.\d{1,9})?$/,
  bitrate: /^\d{1,12}(\.\d{1,6})?[kKmMgG]?$/,
  time: /^-?(\d{1,12}(\.\d{1,9})?(s|ms|us)?|\d{1,9}:\d{1,2}(:\d{1,2})?(\.\d{1,9})?)$/,
  size: /^(\d{1,5}x\d{1,5}|[a-z0-9]{2,12})$/,
  rate: /^(\d{1,9}(\.\d{1,9})?([/:]\d{1,9}(\.\d{1,9})?)?|[a-z0-9_]{2,12})$/,
  word: /^[A-Za-z0-9_]{1,64}$/,
  flags: /^[+-]?[A-Za-z0-9_]{1,64}([+-][A-Za-z0-9_]{1,64}){0,16}$/,
  map: /^(-?\d{1,4}(:[vVasdt]|:\d{1,4}|:p:\d{1,6})*\??|\[[A-Za-z0-9_]{1,64}\])$/,
  method: /^(PUT|POST)$/,
  bsf: /^[a-z0-9_]{1,64}(,[a-z0-9_]{1,64}){0,8}$/,
  expr: /^(source|expr:[A-Za-z0-9_(),.*+\-/ ]{1,200}|[0-9.:,]{1,200})$/,
};

/**
 * Checks one filter graph against the profile: every filter from FILTERS (and SOURCES where `sources`), no argument
 * key with `/`.
 */
export function checkProfileGraph(graph: string, where: string, sources: boolean): void {
  for (const f of parseFilterGraph(graph, where)) {
    const allowed = FILTERS.has(f.name) || (sources && SOURCES.has(f.name));
    if (!allowed) refuse(`${where} `, `uses the filter "${f.name}", which`, SOURCES.has(f.name) ? 'is a source (only a -f lavfi input may use one)' : 'is not in the restreaming profile');
    for (const a of f.args) if (a.key !== null && a.key.includes('/')) refuse(`${where}: `, `filter "${f.name}" option "${a.key}"`, 'reads its value from a file');
  }
}

/** `label` names the value: `output[0].options[3] (the value of "-c:v")`. */
function checkValue(kind: ValueKind, value: string, scope: OptionScope, label: string): void {
  const bad = (why: string): never => refuse('', `${label} "${value.slice(0, 60)}"`, why);
  switch (kind) {
    case 'graph':
      return checkProfileGraph(value, label, false);
    case 'encoder':
    case 'decoder': {
      const list = kind === 'encoder' && scope === 'output' ? ENCODERS : DECODERS;
      if (!list.has(value)) bad(`is not one of the profile's ${scope === 'output' ? 'encoders' : 'decoders'} (${[...list].join(', ')})`);
      return;
    }
    case 'inFormat':
    case 'outFormat': {
      const list = scope === 'input' ? IN_FORMATS : OUT_FORMATS;
      if (!list.has(value)) bad(`is not one of the profile's ${scope} formats (${[...list].join(', ')})`);
      return;
    }
    case 'loglevel':
      if (!LOG_LEVELS.test(value)) bad('is not a log level');
      return;
    default: {
      const re = PATTERNS[kind];
      if (re !== undefined && !re.test(value)) bad(`is not a valid ${kind}`);
    }
  }
}

/**
 * Checks an options list (global, an input's or an output's) against the profile, walking it as FFmpeg does: an
 * option name, then its value unless it is a flag. Anything else (an unknown option, a bare argument FFmpeg would
 * take for a file name, a missing value) is refused.
 */
export function checkProfileOptions(options: readonly string[], scope: OptionScope, where: string): void {
  for (let i = 0; i < options.length; i++) {
    const arg = options[i];
    const at = `${where}options[${i}] "${arg.slice(0, 60)}"`;
    if (!arg.startsWith('-') || arg.length < 2) refuse(where, `options[${i}] "${arg.slice(0, 60)}"`, 'is not an option (FFmpeg would take it for a file name)');
    const colon = arg.indexOf(':');
    const name = colon < 0 ? arg : arg.slice(0, colon);
    const spec = OPTIONS.get(name);
    if (spec === undefined) refuse('', at, 'is not in the restreaming profile');
    if (!spec.scopes.includes(scope)) refuse('', at, `is not ${scope === 'global' ? 'a global' : `an ${scope}`} option of the restreaming profile`);
    if (colon >= 0 && !(spec.perStream && /^(:([vVasdt]|\d{1,4}))+$/.test(arg.slice(colon)))) refuse('', at, 'has a stream specifier the profile does not take');
    if (spec.kind === 'flag') continue;
    if (i + 1 >= options.length) refuse('', at, 'needs a value');
    const kind: ValueKind = scope === 'input' && spec.kind === 'outFormat' ? 'inFormat' : scope === 'input' && spec.kind === 'encoder' ? 'decoder' : spec.kind;
    i++;
    checkValue(kind, options[i], scope, `${where}options[${i}] (the value of "${arg.slice(0, 60)}")`);
  }
}
