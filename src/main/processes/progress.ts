/**
 * FFmpeg's `-progress pipe:1` output: blocks of `key=value` lines, each block ending in `progress=continue` or
 * `progress=end`. Stock FFmpeg reports totals only (frames, fps, output size, time, bitrate, speed), not per
 * input/output sizes as datarhei's patched build does; per-I/O bytes come from the counting relay (relay.ts).
 */

/** One progress block, in the app's units. */
export interface FfmpegProgress {
  frame: number;
  fps: number;
  /** Quantizer of the first video stream, or 0. */
  q: number;
  /** Bytes written to the outputs so far (FFmpeg's `total_size`; 0 when it reports N/A). */
  totalSizeBytes: number;
  /** Output time position, seconds. */
  timeSec: number;
  /** FFmpeg's own estimate from total_size and time, kbit/s (kbit = 1000 bit, as FFmpeg prints it). */
  bitrateKbitPerSec: number;
  speed: number;
  dropFrames: number;
  dupFrames: number;
  /** `progress=end`: FFmpeg is finishing. */
  end: boolean;
}

export function emptyProgress(): FfmpegProgress {
  return { frame: 0, fps: 0, q: 0, totalSizeBytes: 0, timeSec: 0, bitrateKbitPerSec: 0, speed: 0, dropFrames: 0, dupFrames: 0, end: false };
}

function num(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number.parseFloat(v);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Splits FFmpeg's progress stream into blocks; feed it chunks, it calls `onBlock` per complete block. */
export class ProgressParser {
  #pending = '';
  #fields = new Map<string, string>();
  readonly #onBlock: (p: FfmpegProgress) => void;

  constructor(onBlock: (p: FfmpegProgress) => void) {
    this.#onBlock = onBlock;
  }

  push(chunk: string): void {
    this.#pending += chunk;
    // A line this long is not progress output: drop it rather than grow without bound.
    if (this.#pending.length > 64 * 1024) this.#pending = '';
    let nl: number;
    while ((nl = this.#pending.indexOf('\n')) >= 0) {
      const line = this.#pending.slice(0, nl).trim();
      this.#pending = this.#pending.slice(nl + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') {
        this.#onBlock(toProgress(this.#fields, value === 'end'));
        this.#fields = new Map();
      } else if (this.#fields.size < 256) {
        this.#fields.set(key, value);
      }
    }
  }
}

function toProgress(f: Map<string, string>, end: boolean): FfmpegProgress {
  let q = 0;
  for (const [k, v] of f) if (/^stream_\d+_\d+_q$/.test(k)) { q = num(v); break; }
  const outTimeUs = f.get('out_time_us') ?? f.get('out_time_ms'); // out_time_ms is microseconds too (FFmpeg's old bug)
  return {
    frame: num(f.get('frame')),
    fps: num(f.get('fps')),
    q,
    totalSizeBytes: num(f.get('total_size')),
    timeSec: num(outTimeUs) / 1e6,
    bitrateKbitPerSec: num(f.get('bitrate')?.replace(/kbits\/s$/, '')),
    speed: num(f.get('speed')?.replace(/x$/, '')),
    dropFrames: num(f.get('drop_frames')),
    dupFrames: num(f.get('dup_frames')),
    end,
  };
}
