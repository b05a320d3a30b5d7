/**
 * A process as Core defines it (datarhei Core's `ProcessConfig`), in the app's own names, and its conversion from and
 * to Core's JSON (the wire edge: snake_case, `_seconds`, `memory_mbytes`). Pure: no I/O.
 */

/** One input or output of an FFmpeg process: its options come before `-i ADDRESS` (input) or before ADDRESS (output). */
export interface ProcessIo {
  id: string;
  address: string;
  options: string[];
}

/** Resource limits: the process is killed when one is exceeded for `waitForSec` in a row (0 = no limit). */
export interface ProcessLimits {
  /** Percent of one CPU (100 = one full core). */
  cpuUsagePercent: number;
  memoryMbytes: number;
  waitForSec: number;
}

/** A process definition, what `POST /api/v3/process` creates and `<dataDir>/processes.json` keeps. */
export interface ProcessConfig {
  id: string;
  reference: string;
  input: ProcessIo[];
  output: ProcessIo[];
  /** Global options, before the first input. */
  options: string[];
  /** Restart after the process exits by itself (crash, end of input, stale, limit), after `reconnectDelaySec`. */
  reconnect: boolean;
  reconnectDelaySec: number;
  /** Start when created and when the app starts. */
  autostart: boolean;
  /** Kill the process when its progress has not moved for this long (0 = never). */
  staleTimeoutSec: number;
  limits: ProcessLimits;
}

/** A configuration the API refuses: Core's 400 with this message as its details. */
export class ProcessConfigError extends Error {
  override name = 'ProcessConfigError';
}

/** Process and I/O ids: what Core accepts in practice, minus what would break a URL path or a log line. */
const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;
const MAX_OPTIONS = 256;
const MAX_OPTION_CHARS = 4096;
const MAX_IO = 16;
const MAX_SECONDS = 7 * 24 * 3600;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(obj: Record<string, unknown>, key: string, where: string, fallback?: string): string {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ProcessConfigError(`${where}${key} is required`);
  }
  if (typeof v !== 'string') throw new ProcessConfigError(`${where}${key} must be a string, not ${typeName(v)}`);
  return v;
}

function bool(obj: Record<string, unknown>, key: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ProcessConfigError(`${key} must be true or false, not ${typeName(v)}`);
  return v;
}

function uint(obj: Record<string, unknown>, key: string, where: string, max: number): number {
  const v = obj[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ProcessConfigError(`${where}${key} must be a number ≥ 0, not ${JSON.stringify(v)}`);
  if (v > max) throw new ProcessConfigError(`${where}${key} must be at most ${max}`);
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function options(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ProcessConfigError(`${where}options must be an array of strings, not ${typeName(v)}`);
  if (v.length > MAX_OPTIONS) throw new ProcessConfigError(`${where}options has more than ${MAX_OPTIONS} entries`);
  return v.map((o, i) => {
    if (typeof o !== 'string') throw new ProcessConfigError(`${where}options[${i}] must be a string, not ${typeName(o)}`);
    if (o.length > MAX_OPTION_CHARS) throw new ProcessConfigError(`${where}options[${i}] is longer than ${MAX_OPTION_CHARS} characters`);
    if (o.includes('\0')) throw new ProcessConfigError(`${where}options[${i}] contains a NUL character`);
    return o;
  });
}

function ios(v: unknown, kind: 'input' | 'output'): ProcessIo[] {
  if (!Array.isArray(v) || v.length === 0) throw new ProcessConfigError(`${kind} must be a non-empty array`);
  if (v.length > MAX_IO) throw new ProcessConfigError(`${kind} has more than ${MAX_IO} entries`);
  const seen = new Set<string>();
  return v.map((raw, i) => {
    const where = `${kind}[${i}].`;
    if (!isRecord(raw)) throw new ProcessConfigError(`${kind}[${i}] must be an object`);
    let id = str(raw, 'id', where, '');
    if (id === '') id = `${kind}_${i}`;
    if (!ID_PATTERN.test(id)) throw new ProcessConfigError(`${where}id "${id}" may only contain letters, digits and _ . : @ -`);
    if (seen.has(id)) throw new ProcessConfigError(`${where}id "${id}" is used twice`);
    seen.add(id);
    const address = str(raw, 'address', where);
    if (address.trim() === '') throw new ProcessConfigError(`${where}address must not be empty`);
    if (address.includes('\0')) throw new ProcessConfigError(`${where}address contains a NUL character`);
    return { id, address, options: options(raw.options, where) };
  });
}

/**
 * Reads Core's process JSON (`POST /api/v3/process` body). Unknown fields are ignored (as Go's decoder does); a
 * missing or ill-typed field throws a ProcessConfigError saying which. `type` must be `ffmpeg` or empty.
 */
export function parseProcessConfig(json: unknown): ProcessConfig {
  if (!isRecord(json)) throw new ProcessConfigError(`the process must be a JSON object, not ${typeName(json)}`);
  const type = str(json, 'type', '', '');
  if (type !== '' && type !== 'ffmpeg') throw new ProcessConfigError(`type must be "ffmpeg", not "${type}"`);
  const id = str(json, 'id', '');
  if (!ID_PATTERN.test(id)) throw new ProcessConfigError(`id "${id}" must be 1 to 200 letters, digits or _ . : @ -`);
  const limitsRaw = json.limits ?? {};
  if (!isRecord(limitsRaw)) throw new ProcessConfigError('limits must be an object');
  const binary = str(json, 'binary', '', '');
  if (binary !== '') throw new ProcessConfigError('binary cannot be chosen per process here (the app runs the FFmpeg of --ffmpeg)');
  return {
    id,
    reference: str(json, 'reference', '', ''),
    input: ios(json.input, 'input'),
    output: ios(json.output, 'output'),
    options: options(json.options, ''),
    reconnect: bool(json, 'reconnect'),
    reconnectDelaySec: uint(json, 'reconnect_delay_seconds', '', MAX_SECONDS),
    autostart: bool(json, 'autostart'),
    staleTimeoutSec: uint(json, 'stale_timeout_seconds', '', MAX_SECONDS),
    limits: {
      cpuUsagePercent: uint(limitsRaw, 'cpu_usage', 'limits.', 100 * 1024),
      memoryMbytes: uint(limitsRaw, 'memory_mbytes', 'limits.', 1024 * 1024),
      waitForSec: uint(limitsRaw, 'waitfor_seconds', 'limits.', MAX_SECONDS),
    },
  };
}

/** Core's `ProcessConfig` JSON of a process (field order as Core's). */
export function processConfigToWire(c: ProcessConfig): Record<string, unknown> {
  const io = (x: ProcessIo): Record<string, unknown> => ({ id: x.id, address: x.address, options: [...x.options], cleanup: [] });
  return {
    id: c.id,
    owner: '',
    domain: '',
    binary: '',
    type: 'ffmpeg',
    reference: c.reference,
    input: c.input.map(io),
    output: c.output.map(io),
    options: [...c.options],
    reconnect: c.reconnect,
    reconnect_delay_seconds: c.reconnectDelaySec,
    autostart: c.autostart,
    stale_timeout_seconds: c.staleTimeoutSec,
    runtime_duration_seconds: 0,
    scheduler: '',
    log_patterns: [],
    limits: {
      cpu_usage: c.limits.cpuUsagePercent,
      memory_mbytes: c.limits.memoryMbytes,
      gpu_usage: 0,
      gpu_encoder: 0,
      gpu_decoder: 0,
      gpu_memory_mbytes: 0,
      waitfor_seconds: c.limits.waitForSec,
      log_event_rate: 0,
    },
  };
}
