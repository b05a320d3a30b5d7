/**
 * The Processes view's invoke channels (`processes:*` in src/shared/ipc.ts), answered from the ProcessManager. Every
 * argument is checked here: the page is not trusted. Errors carry a `code` (`invalid`, `not-found`) the page shows.
 */
import type { InvokeHandlers } from '../../shared/ipc.ts';
import type { ProcessIoRow, ProcessList, ProcessRow } from '../../shared/processes.ts';
import { processConfigToWire, ProcessConfigError } from './config.ts';
import type { CallerTrust } from './command.ts';
import { UnknownProcessError, type ProcessCommand, type ProcessManager } from './manager.ts';
import type { IoCount, ProcessRunner } from './runner.ts';

/** The `processes:*` channels. */
export type ProcessChannel = 'processes:list' | 'processes:create' | 'processes:update' | 'processes:command' | 'processes:delete' | 'processes:log';
export type ProcessInvokeHandlers = Pick<InvokeHandlers, ProcessChannel>;

function fail(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function args(a: unknown[], n: number): void {
  if (a.length !== n) throw fail('bad-args', `expected ${n} argument(s), got ${a.length}`);
}

function idArg(v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.length > 200) throw fail('bad-args', 'the process id must be a non-empty string');
  return v;
}

/** The configuration the page sends: Core's process JSON as text, parsed (bad JSON is `invalid`, with the parser's words). */
function configArg(v: unknown): unknown {
  if (typeof v !== 'string' || v.length > 1024 * 1024) throw fail('bad-args', 'the configuration must be JSON text');
  try {
    return JSON.parse(v);
  } catch (err) {
    throw fail('invalid', `Invalid JSON: ${(err as Error).message}`);
  }
}

/** Maps the manager's errors to coded errors for the page. */
async function coded<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProcessConfigError) throw fail('invalid', err.message);
    if (err instanceof UnknownProcessError) throw fail('not-found', err.message);
    throw err;
  }
}

const ioRow = (io: IoCount): ProcessIoRow => ({ id: io.id, address: io.address, bytes: io.bytes, counted: io.counted });

/** One row of the view from a runner. */
export function processRow(r: ProcessRunner): ProcessRow {
  const s = r.state();
  const c = r.config;
  return {
    id: r.id,
    reference: c.reference,
    order: s.order,
    exec: s.exec,
    exitReason: s.exitReason,
    startedAtMs: s.startedAtMs,
    reconnectSec: s.reconnectSec,
    inBitsPerSec: s.inBitsPerSec,
    outBitsPerSec: s.outputs.some((io) => io.counted) ? s.outBitsPerSec : s.progress.bitrateKbitPerSec * 1000,
    fps: s.progress.fps,
    speed: s.progress.speed,
    cpuPercent: s.cpu.cur,
    memoryBytes: s.memoryBytes.cur,
    pid: s.pid,
    lastLogline: s.lastLogline,
    autostart: c.autostart,
    reconnect: c.reconnect,
    inputs: (s.inputs.length > 0 ? s.inputs.map(ioRow) : c.input.map((io) => ({ id: io.id, address: io.address, bytes: 0, counted: false }))),
    outputs: (s.outputs.length > 0 ? s.outputs.map(ioRow) : c.output.map((io) => ({ id: io.id, address: io.address, bytes: 0, counted: false }))),
    configJson: JSON.stringify(processConfigToWire(c), null, 2),
  };
}

const COMMANDS: ReadonlySet<string> = new Set<ProcessCommand>(['start', 'stop', 'restart', 'reload']);

/**
 * The handlers for one kind of page: `owner` for the desktop window (its own IPC) and a headless page behind the API
 * login; `anonymous` for the headless page with auth off (every program on the machine can make its requests), whose
 * creates and updates must pass the restreaming profile (command.ts).
 */
export function processUiHandlers(manager: ProcessManager, trust: CallerTrust): ProcessInvokeHandlers {
  return {
    'processes:list': async (...a) => {
      args(a, 0);
      const p = await manager.whenProbed();
      const ffmpeg: ProcessList['ffmpeg'] = p.ok ? { ok: true, binary: p.binary, version: p.version, message: '' } : { ok: false, binary: p.binary, version: '', message: p.message };
      return { ffmpeg, processes: manager.list().map(processRow) };
    },
    'processes:create': async (...a) => {
      args(a, 1);
      const json = configArg(a[0]);
      return coded(() => processRow(manager.create(json, trust)));
    },
    'processes:update': async (...a) => {
      args(a, 2);
      const id = idArg(a[0]);
      const json = configArg(a[1]);
      return coded(async () => processRow(await manager.update(id, json, trust)));
    },
    'processes:command': async (...a) => {
      args(a, 2);
      const id = idArg(a[0]);
      if (typeof a[1] !== 'string' || !COMMANDS.has(a[1])) throw fail('bad-args', 'the command must be start, stop, restart or reload');
      await coded(() => manager.command(id, a[1] as ProcessCommand));
    },
    'processes:delete': async (...a) => {
      args(a, 1);
      const id = idArg(a[0]);
      await coded(() => manager.delete(id));
    },
    'processes:log': async (...a) => {
      args(a, 1);
      const id = idArg(a[0]);
      return coded(() => manager.get(id).logTail());
    },
  };
}

/** Without a process manager (tests, a UI service of remote cores only): every channel answers `unsupported`. */
export const NO_PROCESS_HANDLERS: ProcessInvokeHandlers = {
  'processes:list': () => Promise.reject(fail('unsupported', 'processes are not available here')),
  'processes:create': () => Promise.reject(fail('unsupported', 'processes are not available here')),
  'processes:update': () => Promise.reject(fail('unsupported', 'processes are not available here')),
  'processes:command': () => Promise.reject(fail('unsupported', 'processes are not available here')),
  'processes:delete': () => Promise.reject(fail('unsupported', 'processes are not available here')),
  'processes:log': () => Promise.reject(fail('unsupported', 'processes are not available here')),
};
