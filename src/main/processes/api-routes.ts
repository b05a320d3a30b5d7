/**
 * Core's process API on the local core, in Core's JSON (http/api/process.go, progress.go, report.go):
 * GET/POST /api/v3/process, GET/PUT/DELETE /api/v3/process/{id}, PUT /api/v3/process/{id}/command,
 * GET /api/v3/process/{id}/state|report|config, GET /api/v3/skills, PUT /api/v3/skills/reload.
 * The routes sit behind the API's JWT auth like every v3 route. A refused configuration is a 400 with Core's
 * `{code, message, details}` and changes nothing.
 *
 * Security guard: with auth on every caller here proved the login (an owner); with auth off every caller is anonymous,
 * and a create or an update must pass the restreaming profile (`trust`, command.ts). Start, stop, restart, reload,
 * delete and the reads stay open to both: they run only what an owner or the profile let in.
 */
import type { ApiContext, ApiRoute } from '../http/types.ts';
import { BodyTooLargeError, readBody } from '../http/http.ts';
import { processConfigToWire, ProcessConfigError } from './config.ts';
import type { CallerTrust } from './command.ts';
import { UnknownProcessError, type ProcessCommand, type ProcessManager } from './manager.ts';
import type { IoCount, ProcessRunner, ProcessStateView } from './runner.ts';

const BODY_LIMIT = 1024 * 1024;

/** Core renders floats with 3 decimals. */
function n3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function ioProgress(io: IoCount, index: number): Record<string, unknown> {
  return {
    id: io.id,
    address: io.address,
    index,
    stream: 0,
    format: '',
    type: '',
    codec: '',
    coder: '',
    frame: 0,
    keyframe: 0,
    framerate: { min: 0, max: 0, avg: 0 },
    fps: 0,
    packet: 0,
    pps: 0,
    size_kb: Math.floor(io.bytes / 1024),
    bitrate_kbit: 0,
    extradata_size_bytes: 0,
    avstream: null,
  };
}

/** Core's `ProcessState` JSON. */
export function stateToWire(s: ProcessStateView, r: ProcessRunner): Record<string, unknown> {
  const p = s.progress;
  return {
    order: s.order,
    exec: s.exec,
    runtime_seconds: s.runtimeSec,
    reconnect_seconds: s.reconnectSec,
    last_logline: s.lastLogline,
    progress: {
      inputs: s.inputs.map(ioProgress),
      outputs: s.outputs.map(ioProgress),
      frame: p.frame,
      packet: 0,
      fps: n3(p.fps),
      q: n3(p.q),
      size_kb: Math.floor(p.totalSizeBytes / 1024),
      time: n3(p.timeSec),
      // FFmpeg's kbit is 1000 bit; Core's bitrate_kbit is bit/1024.
      bitrate_kbit: n3((p.bitrateKbitPerSec * 1000) / 1024),
      speed: n3(p.speed),
      drop: p.dropFrames,
      dup: p.dupFrames,
    },
    memory_bytes: Math.round(s.memoryBytes.cur),
    cpu_usage: n3(s.cpu.cur),
    limit_mode: 'hard',
    resources: {
      cpu_usage: { ncpu: 1, cur: n3(s.cpu.cur), avg: n3(s.cpu.avg), max: n3(s.cpu.max), limit: r.config.limits.cpuUsagePercent, throttling: false },
      memory_bytes: { cur: Math.round(s.memoryBytes.cur), avg: Math.round(s.memoryBytes.avg), max: Math.round(s.memoryBytes.max), limit: r.config.limits.memoryMbytes * 1024 * 1024 },
    },
    command: s.command,
    pid: s.pid,
    // Not in Core: why the last run ended (Core puts it only in the log).
    exit_reason: s.exitReason,
  };
}

/** Core's `ProcessReport` JSON: the current run's log and the last runs' history. */
export function reportToWire(r: ProcessRunner): Record<string, unknown> {
  const sec = (ms: number): number => Math.floor(ms / 1000);
  const lines = (l: { atMs: number; line: string }[]): [string, string][] => l.map((x) => [String(sec(x.atMs)), x.line]);
  return {
    created_at: sec(r.runCreatedAtMs),
    prelude: [],
    log: lines(r.logTail()),
    matches: [],
    exited_at: r.history.at(-1)?.exitedAtMs !== undefined ? sec(r.history.at(-1)!.exitedAtMs) : 0,
    exit_state: r.exec === 'starting' || r.exec === 'running' ? '' : r.exec,
    history: r.history.map((h) => ({ created_at: sec(h.createdAtMs), prelude: [], log: lines(h.log), matches: [], exited_at: sec(h.exitedAtMs), exit_state: h.exitState, exit_reason: h.exitReason })),
  };
}

/** Core's `Process` JSON, with the parts `filter` asks for (default: all). */
export function processToWire(r: ProcessRunner, filter: Set<string> | null): Record<string, unknown> {
  const want = (k: string): boolean => filter === null || filter.has(k);
  return {
    id: r.id,
    owner: '',
    domain: '',
    type: 'ffmpeg',
    reference: r.config.reference,
    core_id: '',
    created_at: Math.floor(r.createdAtMs / 1000),
    updated_at: Math.floor(r.updatedAtMs / 1000),
    ...(want('config') ? { config: processConfigToWire(r.config) } : {}),
    ...(want('state') ? { state: stateToWire(r.state(), r) } : {}),
    ...(want('report') ? { report: reportToWire(r) } : {}),
    ...(want('metadata') ? { metadata: null } : {}),
  };
}

function filterOf(ctx: ApiContext): Set<string> | null {
  const raw = ctx.query.get('filter')?.[0] ?? '';
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return parts.length > 0 ? new Set(parts) : null;
}

async function readJson(ctx: ApiContext): Promise<{ ok: true; value: unknown } | { ok: false }> {
  let body: Buffer;
  try {
    body = await readBody(ctx.req, BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) await ctx.error(413, [`Request body larger than ${err.limit} bytes`]);
    else await ctx.error(400, ['cannot read the request body']);
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (err) {
    await ctx.error(400, [`Invalid JSON: ${(err as Error).message}`]);
    return { ok: false };
  }
}

async function guard(ctx: ApiContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProcessConfigError) return ctx.error(400, [err.message]);
    if (err instanceof UnknownProcessError) return ctx.error(404, [err.message]);
    throw err;
  }
}

const COMMANDS = new Set<ProcessCommand>(['start', 'stop', 'restart', 'reload']);
const send = (ctx: ApiContext, status: number, value: unknown): Promise<void> => ctx.json(status, JSON.stringify(value));

/** The routes, for `createApi({ extraRoutes })`; `trust`: `owner` when the API's auth is on, else `anonymous`. */
export function processApiRoutes(manager: ProcessManager, trust: CallerTrust): ApiRoute[] {
  const PREFIX = '/api/v3/process/';
  const sub = async (ctx: ApiContext, method: string): Promise<void> => {
    const rest = ctx.path.slice(PREFIX.length);
    const slash = rest.indexOf('/');
    let id: string;
    try {
      id = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    } catch {
      return ctx.error(400, ['the process id is not valid percent-encoding']);
    }
    const action = slash < 0 ? '' : rest.slice(slash + 1);
    await guard(ctx, async () => {
      if (method === 'GET' && action === '') return send(ctx, 200, processToWire(manager.get(id), filterOf(ctx)));
      if (method === 'GET' && action === 'state') return send(ctx, 200, stateToWire(manager.get(id).state(), manager.get(id)));
      if (method === 'GET' && action === 'report') return send(ctx, 200, reportToWire(manager.get(id)));
      if (method === 'GET' && action === 'config') return send(ctx, 200, processConfigToWire(manager.get(id).config));
      if (method === 'DELETE' && action === '') {
        await manager.delete(id);
        return send(ctx, 200, 'OK');
      }
      if (method === 'PUT' && action === '') {
        manager.get(id);
        const body = await readJson(ctx);
        if (!body.ok) return;
        const r = await manager.update(id, body.value, trust);
        return send(ctx, 200, processConfigToWire(r.config));
      }
      if (method === 'PUT' && action === 'command') {
        manager.get(id);
        const body = await readJson(ctx);
        if (!body.ok) return;
        const command = (body.value as { command?: unknown } | null)?.command;
        if (typeof command !== 'string' || !COMMANDS.has(command as ProcessCommand)) {
          return ctx.error(400, [`Unknown command: ${JSON.stringify(command)} (start, stop, restart or reload)`]);
        }
        await manager.command(id, command as ProcessCommand);
        return send(ctx, 200, 'OK');
      }
      return ctx.error(404);
    });
  };
  const skills = async (ctx: ApiContext): Promise<void> => {
    const p = await manager.whenProbed();
    if (!p.ok) return ctx.error(503, [p.message]);
    return send(ctx, 200, p.skills);
  };
  return [
    {
      method: 'GET',
      path: '/api/v3/process',
      handler: (ctx) => {
        const ids = new Set((ctx.query.get('id')?.[0] ?? '').split(',').filter((s) => s !== ''));
        const ref = ctx.query.get('reference')?.[0] ?? '';
        const list = manager.list().filter((r) => (ids.size === 0 || ids.has(r.id)) && (ref === '' || r.config.reference === ref));
        const filter = filterOf(ctx);
        return send(ctx, 200, list.map((r) => processToWire(r, filter)));
      },
    },
    {
      method: 'POST',
      path: '/api/v3/process',
      handler: (ctx) =>
        guard(ctx, async () => {
          const body = await readJson(ctx);
          if (!body.ok) return;
          const r = manager.create(body.value, trust);
          return send(ctx, 200, processConfigToWire(r.config));
        }),
    },
    { method: 'GET', path: `${PREFIX}*`, handler: (ctx) => sub(ctx, 'GET') },
    { method: 'PUT', path: `${PREFIX}*`, handler: (ctx) => sub(ctx, 'PUT') },
    { method: 'DELETE', path: `${PREFIX}*`, handler: (ctx) => sub(ctx, 'DELETE') },
    { method: 'GET', path: '/api/v3/skills', handler: skills },
    {
      method: 'PUT',
      path: '/api/v3/skills/reload',
      handler: async (ctx) => {
        await manager.reprobe();
        return skills(ctx);
      },
    },
  ];
}
