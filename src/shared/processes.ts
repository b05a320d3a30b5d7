/**
 * The Processes view's plain data (the local core's FFmpeg processes) and the templates it offers. Shared by main
 * (src/main/processes/ui-handlers.ts) and the page; no node:* or DOM.
 */

/**
 * The contract with the stream model: a session of the local core's own servers (rtmp, srt) whose peer is one of the
 * app's FFmpeg processes has `extra` = this prefix + the process id (set by src/main/processes/session-feed.ts within
 * a second of the connection). Such a session is role `process`: neither a viewer nor a publisher a person runs.
 */
export const OWN_PROCESS_EXTRA_PREFIX = 'ffmpeg:';

/** True when a session's `extra` marks it as one of the app's own processes (ownProcessOf without the id's string). */
export function isOwnProcess(extra: string): boolean {
  return extra.length > OWN_PROCESS_EXTRA_PREFIX.length && extra.startsWith(OWN_PROCESS_EXTRA_PREFIX);
}

/** The id of the app's own process a session belongs to (from its `extra`), or null for anyone else's session. */
export function ownProcessOf(extra: string): string | null {
  return isOwnProcess(extra) ? extra.slice(OWN_PROCESS_EXTRA_PREFIX.length) : null;
}

/** One input or output of a process with the bytes its current run moved (0 when not countable). */
export interface ProcessIoRow {
  id: string;
  /** As configured, e.g. `{rtmp,name=cam}`. */
  address: string;
  bytes: number;
  /** False when the address cannot go through a counting relay (files, HTTPS, RTMPS, UDP, RTSP, …). */
  counted: boolean;
}

/** One row of the Processes view. */
export interface ProcessRow {
  id: string;
  reference: string;
  /** What the user asked for: `start` or `stop`. */
  order: 'start' | 'stop';
  /** Core's exec state: starting, running, finishing, finished, failed, killed. */
  exec: string;
  /** Why the last run ended ('' while the first run goes). */
  exitReason: string;
  /** Unix ms when the current run started; 0 when not running. */
  startedAtMs: number;
  /** Seconds until the next automatic restart, -1 when none is pending. */
  reconnectSec: number;
  /** What the counted inputs received over the last 10 s, bit/s (0 when no input is countable). */
  inBitsPerSec: number;
  /** What the counted outputs sent over the last 10 s, bit/s; FFmpeg's own estimate when no output is countable. */
  outBitsPerSec: number;
  fps: number;
  speed: number;
  /** Percent of one CPU. */
  cpuPercent: number;
  memoryBytes: number;
  pid: number;
  lastLogline: string;
  autostart: boolean;
  reconnect: boolean;
  inputs: ProcessIoRow[];
  outputs: ProcessIoRow[];
  /** Core's process JSON of the configuration, pretty-printed (for "edit as JSON"). */
  configJson: string;
}

/** The FFmpeg binary as probed at start: usable (with its version) or why not. */
export interface FfmpegStatus {
  ok: boolean;
  binary: string;
  version: string;
  /** Why processes cannot run ('' when ok). */
  message: string;
}

export interface ProcessList {
  ffmpeg: FfmpegStatus;
  processes: ProcessRow[];
}

/** One line of a process's log tail. */
export interface ProcessLogLine {
  atMs: number;
  line: string;
}

export type ProcessCommandName = 'start' | 'stop' | 'restart' | 'reload';

/** A starting point for a new process: Core's process JSON with placeholders for the user to fill in. */
export interface ProcessTemplate {
  id: string;
  label: string;
  config: Record<string, unknown>;
}

const HLS_OPTIONS = ['-c', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '6', '-hls_flags', 'delete_segments', '-method', 'PUT'];

/** The templates the view offers (issue 13). */
export const PROCESS_TEMPLATES: readonly ProcessTemplate[] = [
  {
    id: 'rtmp-to-hls',
    label: 'RTMP publish → HLS in memfs',
    config: {
      id: 'cam-hls',
      reference: 'cam',
      input: [{ id: 'in', address: '{rtmp,name=cam}', options: [] }],
      output: [{ id: 'hls', address: '{memfs}/cam.m3u8', options: HLS_OPTIONS }],
      options: [],
      autostart: true,
      reconnect: true,
      reconnect_delay_seconds: 5,
      stale_timeout_seconds: 30,
    },
  },
  {
    id: 'url-to-hls',
    label: 'Pull a URL → HLS',
    config: {
      id: 'pull-hls',
      reference: 'pull',
      input: [{ id: 'in', address: 'http://example.com/live/stream.m3u8', options: [] }],
      output: [{ id: 'hls', address: '{memfs}/pull.m3u8', options: HLS_OPTIONS }],
      options: [],
      autostart: true,
      reconnect: true,
      reconnect_delay_seconds: 10,
      stale_timeout_seconds: 30,
    },
  },
  {
    id: 'push-rtmp',
    label: 'Local stream → push to an RTMP URL',
    config: {
      id: 'cam-push',
      reference: 'cam',
      input: [{ id: 'in', address: '{rtmp,name=cam}', options: [] }],
      output: [{ id: 'out', address: 'rtmp://live.example.com/app/STREAM-KEY', options: ['-c', 'copy', '-f', 'flv'] }],
      options: [],
      autostart: true,
      reconnect: true,
      reconnect_delay_seconds: 10,
      stale_timeout_seconds: 30,
    },
  },
];
