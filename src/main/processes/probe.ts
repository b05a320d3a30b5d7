/**
 * The FFmpeg binary: found, version checked, capabilities listed once (Core's `GET /api/v3/skills`). A missing or
 * too old binary is a probe result with a message, never an exception: the runner, the API and the UI show it.
 */
import { execFile } from 'node:child_process';

/** The oldest FFmpeg the runner supports: `-progress` with `out_time_us` and `-nostats` (FFmpeg 4.0, 2018). */
export const MIN_FFMPEG_MAJOR = 4;

export interface NamedItem {
  id: string;
  name: string;
}

/** What `-version`, `-codecs`, `-formats`, `-protocols`, `-filters`, `-hwaccels` say, in Core's skills shape. */
export interface FfmpegSkills {
  ffmpeg: { version: string; compiler: string; configuration: string; libraries: { name: string; compiled: string; linked: string }[] };
  filters: NamedItem[];
  hwaccels: NamedItem[];
  codecs: { audio: CodecItem[]; video: CodecItem[]; subtitle: CodecItem[] };
  devices: { demuxers: NamedItem[]; muxers: NamedItem[] };
  formats: { demuxers: NamedItem[]; muxers: NamedItem[] };
  protocols: { input: NamedItem[]; output: NamedItem[] };
}

export interface CodecItem extends NamedItem {
  encoders: string[];
  decoders: string[];
}

export type FfmpegProbe =
  | { ok: true; binary: string; version: string; skills: FfmpegSkills }
  | { ok: false; binary: string; message: string };

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['-hide_banner', ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

function parseVersion(text: string): FfmpegSkills['ffmpeg'] {
  const lines = text.split('\n');
  const version = /^ffmpeg version (\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
  const compiler = /^built with (.*)$/m.exec(text)?.[1] ?? '';
  const configuration = /^configuration: (.*)$/m.exec(text)?.[1] ?? '';
  const libraries: FfmpegSkills['ffmpeg']['libraries'] = [];
  for (const m of text.matchAll(/^(lib\w+)\s+([\d. ]+?)\s*\/\s*([\d. ]+)$/gm)) {
    libraries.push({ name: m[1], compiled: m[2].replace(/\s+/g, ''), linked: m[3].replace(/\s+/g, '') });
  }
  return { version, compiler, configuration, libraries };
}

function afterDashes(text: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s*-+\s*$/.test(l));
  return (i >= 0 ? lines.slice(i + 1) : lines).filter((l) => l.trim() !== '');
}

function parseCodecs(text: string): FfmpegSkills['codecs'] {
  const out: FfmpegSkills['codecs'] = { audio: [], video: [], subtitle: [] };
  for (const line of afterDashes(text)) {
    const m = /^\s([D.])([E.])([VAS])[.I][.L][.S]\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const item: CodecItem = { id: m[4], name: m[5].replace(/\s*\((de|en)coders:.*$/, '').trim(), encoders: [], decoders: [] };
    const dec = /\(decoders: ([^)]*)\)/.exec(m[5]);
    const enc = /\(encoders: ([^)]*)\)/.exec(m[5]);
    item.decoders = m[1] === 'D' ? (dec ? dec[1].trim().split(/\s+/) : [m[4]]) : [];
    item.encoders = m[2] === 'E' ? (enc ? enc[1].trim().split(/\s+/) : [m[4]]) : [];
    (m[3] === 'V' ? out.video : m[3] === 'A' ? out.audio : out.subtitle).push(item);
  }
  return out;
}

function parseFormats(text: string): FfmpegSkills['formats'] {
  const out: FfmpegSkills['formats'] = { demuxers: [], muxers: [] };
  for (const line of afterDashes(text)) {
    const m = /^\s([D ])([E ])d?\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    for (const id of m[3].split(',')) {
      if (m[1] === 'D') out.demuxers.push({ id, name: m[4].trim() });
      if (m[2] === 'E') out.muxers.push({ id, name: m[4].trim() });
    }
  }
  return out;
}

function parseProtocols(text: string): FfmpegSkills['protocols'] {
  const out: FfmpegSkills['protocols'] = { input: [], output: [] };
  let list: NamedItem[] | null = null;
  for (const line of text.split('\n')) {
    if (/^Input:/.test(line)) list = out.input;
    else if (/^Output:/.test(line)) list = out.output;
    else if (list && line.trim() !== '') list.push({ id: line.trim(), name: line.trim() });
  }
  return out;
}

function parseFilters(text: string): NamedItem[] {
  const out: NamedItem[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s[T.][S.][C.]\s+(\S+)\s+\S+\s+(.*)$/.exec(line);
    if (m) out.push({ id: m[1], name: m[2].trim() });
  }
  return out;
}

/** Runs the binary with `-version` and the listing flags; never throws. */
export async function probeFfmpeg(binary: string, timeoutMs = 10_000): Promise<FfmpegProbe> {
  let versionText: string;
  try {
    versionText = await run(binary, ['-version'], timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `FFmpeg not found: "${binary}" (install ffmpeg, or choose one with --ffmpeg PATH)` : `FFmpeg "${binary}" does not run: ${(err as Error).message.split('\n')[0]}`;
    return { ok: false, binary, message };
  }
  const ffmpeg = parseVersion(versionText);
  const major = /^n?(\d+)\./.exec(ffmpeg.version)?.[1];
  // Git builds say e.g. "N-112345-g…": accept those (they are newer than any release).
  if (ffmpeg.version === '' || (major !== undefined && Number(major) < MIN_FFMPEG_MAJOR)) {
    return { ok: false, binary, message: `FFmpeg "${binary}" is too old or unknown (version "${ffmpeg.version}"; ${MIN_FFMPEG_MAJOR}.0 or newer is needed)` };
  }
  const [codecs, formats, protocols, filters, hwaccels, devices] = await Promise.all(
    ['-codecs', '-formats', '-protocols', '-filters', '-hwaccels', '-devices'].map((f) => run(binary, [f], timeoutMs).catch(() => '')),
  );
  const dev = parseFormats(devices);
  return {
    ok: true,
    binary,
    version: ffmpeg.version,
    skills: {
      ffmpeg,
      filters: parseFilters(filters),
      hwaccels: hwaccels.split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '').map((id) => ({ id, name: id })),
      codecs: parseCodecs(codecs),
      devices: { demuxers: dev.demuxers, muxers: dev.muxers },
      formats: parseFormats(formats),
      protocols: parseProtocols(protocols),
    },
  };
}
