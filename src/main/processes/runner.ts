/**
 * One managed FFmpeg process: spawn, progress, log tail, resource usage, stale and limit watchdogs, restart policy
 * and a clean stop. Each start is a "run" with its own counting relays (relay.ts) and its own ffmpeg session.
 *
 * FFmpeg runs in its own process group (`detached`), so a stop signals the group: FFmpeg and anything it spawned.
 * Stop = SIGTERM (FFmpeg finishes its outputs), then SIGKILL after `killGraceMs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { buildArgs, resolveCommand, type LocalEndpoints, type ResolvedCommand } from './command.ts';
import type { ProcessConfig } from './config.ts';
import { emptyProgress, ProgressParser, type FfmpegProgress } from './progress.ts';
import { openRelay, openUdpRelay, relayedName, relayTarget, rewriteToRelay, withoutRelayPorts, type CountingRelay, type RelayedName } from './relay.ts';

/** Core's `exec` states. */
export type ExecState = 'starting' | 'running' | 'finishing' | 'finished' | 'failed' | 'killed';

/** One line of the log tail: Unix ms and text. */
export interface LogLine {
  atMs: number;
  line: string;
}

/** Per input/output bytes of a run, from its relay (0 and `counted: false` when the address cannot be relayed). */
export interface IoCount {
  id: string;
  /** As configured, placeholders unresolved. */
  address: string;
  counted: boolean;
  bytes: number;
  /** The relay's sockets towards the real host (what that host sees as the peer). */
  localPeers: ReadonlySet<string>;
  /** The real host's IP as last connected ('' before). */
  remoteIp: string;
}

/** The end of a run, kept in the report's history. */
export interface RunRecord {
  createdAtMs: number;
  exitedAtMs: number;
  exitState: ExecState;
  exitReason: string;
  log: LogLine[];
}

export interface RunnerDeps {
  binary: () => string;
  /** Null while the binary is usable; otherwise why not (missing, too old). Read after `ready`. */
  binaryProblem: () => string | null;
  /** Resolves once the binary has been probed. */
  ready?: () => Promise<void>;
  endpoints: () => LocalEndpoints;
  /** FFmpeg's working folder (a private folder of the app's): where a relative name FFmpeg writes on its own lands. */
  workDir: string;
  clock: Clock;
  log: Logger;
  /** A run started: the session feed (ffmpeg collector) attaches here. */
  onRunStart?: (run: RunView) => void;
  killGraceMs?: number;
  logLines?: number;
}

/** What the session feed reads of the current run. */
export interface RunView {
  readonly processId: string;
  readonly reference: string;
  readonly inputs: readonly IoCount[];
  readonly outputs: readonly IoCount[];
  readonly progressBlocks: number;
  readonly ended: boolean;
  /** Ended, and no relay connection is still carrying bytes: the counts are final. */
  readonly settled: boolean;
}

const CLK_TCK = 100;

/** Hides URL credentials and tokens (the memfs password, `?token=`, SRT `token:`) in what the API and the log show. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1***@')
    .replace(/([?&]token=)[^&\s'"]*/gi, '$1***')
    .replace(/(,token:)[^,&\s'"]*/gi, '$1***');
}
const PAGE_BYTES = 4096;

/**
 * What an operator needs beside FFmpeg's words for a known failure, or ''. "Operation not permitted" on a local
 * `{rtmp,name=X}` input after the RTMP server answered "stream not found" (FFmpeg turns any refused play into
 * EPERM): nobody publishes X.
 */
export function failureHint(log: readonly LogLine[], lastError: string): string {
  const m = /\{rtmp,name=([^,}]+)[^}]*\}: Operation not permitted/.exec(lastError);
  if (m === null || !log.some((l) => /Server error: stream not found/.test(l.line))) return '';
  return ` (no one publishes ${m[1]})`;
}

interface Run extends Omit<RunView, 'settled'> {
  readonly settled: boolean;
  processId: string;
  reference: string;
  child: ChildProcess | null;
  pid: number;
  createdAtMs: number;
  command: string[];
  relays: CountingRelay[];
  /** The relays' addresses and what they stand for: FFmpeg's lines are shown without the relays' ports. */
  names: RelayedName[];
  inputs: IoCount[];
  outputs: IoCount[];
  progress: FfmpegProgress;
  progressBlocks: number;
  lastProgressAtMs: number;
  lastProgressKey: string;
  log: LogLine[];
  stopReason: string;
  killTimer: TimerHandle | null;
  ended: boolean;
  cpu: { lastTicks: number; lastAtMs: number; cur: number; max: number; sum: number; n: number };
  mem: { cur: number; max: number; sum: number; n: number };
  overLimitSinceMs: number;
  /** Relay byte samples of the last 10 s and the rates over them, bit/s (inputs: received, outputs: sent). */
  io: { samples: { atMs: number; inBytes: number; outBytes: number }[]; inBitsPerSec: number; outBitsPerSec: number };
  /** Set when a watchdog (stale, limits) killed the run: the exit reason. */
  watchdogReason: string;
}

export class ProcessRunner {
  config: ProcessConfig;
  order: 'start' | 'stop' = 'stop';
  exec: ExecState = 'finished';
  exitReason = '';
  readonly createdAtMs: number;
  updatedAtMs: number;
  readonly history: RunRecord[] = [];
  readonly #deps: RunnerDeps;
  #run: Run | null = null;
  #reconnectTimer: TimerHandle | null = null;
  #reconnectAtMs = 0;
  #sampler: TimerHandle | null = null;
  #exited: Promise<void> = Promise.resolve();
  /** Lines of the last run when no run is going (the log tail survives the process). */
  #lastLog: LogLine[] = [];

  constructor(config: ProcessConfig, deps: RunnerDeps, createdAtMs?: number) {
    this.config = config;
    this.#deps = deps;
    this.createdAtMs = createdAtMs ?? deps.clock.now();
    this.updatedAtMs = this.createdAtMs;
  }

  get id(): string {
    return this.config.id;
  }

  get pid(): number {
    return this.#run?.child ? this.#run.pid : 0;
  }

  /** The running (or last) run, for the session feed and the API. */
  get current(): RunView | null {
    return this.#run;
  }

  /** Sets order=start and starts now unless already running or waiting to reconnect. */
  start(): void {
    this.order = 'start';
    if (this.#run !== null && !this.#run.ended) return;
    this.#clearReconnect();
    void this.#spawn();
  }

  /** Sets order=stop, cancels a pending reconnect and stops the running FFmpeg; resolves when it has exited. */
  async stop(reason = 'stopped by command'): Promise<void> {
    this.order = 'stop';
    this.#clearReconnect();
    const run = this.#run;
    if (run !== null && !run.ended && run.child !== null) {
      run.stopReason = reason;
      this.exec = 'finishing';
      this.#signal(run, 'SIGTERM');
      run.killTimer ??= this.#deps.clock.setTimeout(() => this.#signal(run, 'SIGKILL'), this.#deps.killGraceMs ?? 3000);
    }
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.stop('restarted by command');
    this.start();
  }

  /** Takes a new configuration; a running process restarts with it (Core's `reload`). */
  async reload(config: ProcessConfig): Promise<void> {
    const wasStarted = this.order === 'start';
    this.config = config;
    this.updatedAtMs = this.#deps.clock.now();
    if (wasStarted) {
      await this.stop('reloaded');
      this.start();
    }
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer !== null) this.#deps.clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#reconnectAtMs = 0;
  }

  #signal(run: Run, sig: NodeJS.Signals): void {
    if (run.ended || run.pid <= 0) return;
    try {
      process.kill(-run.pid, sig);
    } catch {
      try {
        run.child?.kill(sig);
      } catch {
        // Already gone.
      }
    }
  }

  #appendLog(run: Run, line: string): void {
    const max = this.#deps.logLines ?? 200;
    const safe = redactSecrets(withoutRelayPorts(line, run.names, 'configured'));
    run.log.push({ atMs: this.#deps.clock.now(), line: safe.length > 1000 ? safe.slice(0, 1000) + '…' : safe });
    if (run.log.length > max) run.log.splice(0, run.log.length - max);
  }

  async #spawn(): Promise<void> {
    const clock = this.#deps.clock;
    const c = this.config;
    const run: Run = {
      processId: c.id,
      reference: c.reference,
      child: null,
      pid: 0,
      createdAtMs: clock.now(),
      command: [],
      relays: [],
      names: [],
      inputs: [],
      outputs: [],
      progress: emptyProgress(),
      progressBlocks: 0,
      lastProgressAtMs: clock.now(),
      lastProgressKey: '',
      log: [],
      stopReason: '',
      killTimer: null,
      ended: false,
      cpu: { lastTicks: -1, lastAtMs: 0, cur: 0, max: 0, sum: 0, n: 0 },
      mem: { cur: 0, max: 0, sum: 0, n: 0 },
      overLimitSinceMs: 0,
      watchdogReason: '',
      io: { samples: [], inBitsPerSec: 0, outBitsPerSec: 0 },
      get settled() {
        return this.ended && this.relays.every((r) => r.openConnections === 0);
      },
    };
    this.#run = run;
    this.exec = 'starting';
    this.exitReason = '';
    let resolveExited!: () => void;
    this.#exited = new Promise((r) => (resolveExited = r));

    await this.#deps.ready?.();
    const problem = this.#deps.binaryProblem();
    let cmd: ResolvedCommand | null = null;
    let failure = problem;
    if (failure === null) {
      try {
        // The configuration passed its caller's rules when it was created or updated; a start checks the rules every
        // caller has (the servers' addresses may differ after a restart).
        cmd = resolveCommand(c, this.#deps.endpoints(), 'owner');
      } catch (err) {
        failure = `the configuration cannot start: ${(err as Error).message}`;
      }
    }
    if (cmd !== null && failure === null) {
      try {
        await this.#attachRelays(run, cmd);
      } catch (err) {
        failure = `cannot open the counting relay: ${(err as Error).message}`;
      }
    }
    if (failure !== null || cmd === null || this.order === 'stop' || this.#run !== run) {
      for (const r of run.relays) r.close();
      if (failure !== null) this.#appendLog(run, `[error] ${failure}`);
      this.#finish(run, failure !== null ? 'failed' : 'finished', failure ?? 'stopped before it started');
      resolveExited();
      return;
    }

    const args = buildArgs(cmd, ['-progress', 'pipe:1']);
    // Core's command names its own servers' addresses: the relays' ports are this app's, new each run.
    run.command = args.map((a) => redactSecrets(withoutRelayPorts(a, run.names, 'resolved')));
    const child = spawn(this.#deps.binary(), args, { detached: true, cwd: this.#deps.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    run.child = child;
    run.pid = child.pid ?? 0;
    this.#deps.onRunStart?.(run);
    const parser = new ProgressParser((p) => {
      run.progress = p;
      run.progressBlocks++;
      const key = `${p.frame}/${p.totalSizeBytes}/${p.timeSec}`;
      if (key !== run.lastProgressKey) {
        run.lastProgressKey = key;
        run.lastProgressAtMs = clock.now();
      }
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => parser.push(d));
    let pendingErr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      pendingErr += d;
      const lines = pendingErr.split(/\r?\n|\r/);
      pendingErr = lines.pop() ?? '';
      if (pendingErr.length > 4096) pendingErr = '';
      for (const l of lines) if (l.trim() !== '') this.#appendLog(run, l);
    });
    // Core's `running`: the process has started (progress may come later, e.g. while FFmpeg probes its input).
    child.on('spawn', () => {
      if (this.#run === run && !run.ended && this.exec === 'starting') this.exec = 'running';
    });
    child.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? `FFmpeg not found: "${this.#deps.binary()}" (choose one with --ffmpeg PATH)` : `cannot start FFmpeg: ${err.message}`;
      this.#appendLog(run, `[error] ${why}`);
      if (!run.ended) {
        this.#cleanupRun(run);
        this.#finish(run, 'failed', why);
        resolveExited();
      }
    });
    child.on('exit', (code, signal) => {
      if (run.ended) return;
      if (pendingErr.trim() !== '') this.#appendLog(run, pendingErr);
      this.#cleanupRun(run);
      let state: ExecState;
      let reason: string;
      if (run.stopReason !== '') {
        state = signal === 'SIGKILL' ? 'killed' : 'finished';
        reason = run.stopReason;
      } else if (run.watchdogReason !== '') {
        state = 'failed';
        reason = run.watchdogReason;
      } else if (code === 0) {
        state = 'finished';
        reason = 'FFmpeg exited normally (end of input)';
      } else {
        state = 'failed';
        const lastError = [...run.log].reverse().find((l) => /\[(error|fatal)\]/.test(l.line))?.line ?? run.log.at(-1)?.line ?? '';
        reason = signal ? `FFmpeg was killed by ${signal}` : `FFmpeg exited with code ${code}${lastError !== '' ? `: ${lastError}` : ''}${failureHint(run.log, lastError)}`;
      }
      this.#appendLog(run, `[core] ${state}: ${reason}`);
      this.#finish(run, state, reason);
      resolveExited();
    });
    this.#sampler = clock.setInterval(() => void this.#sample(run), 1000);
  }

  async #attachRelays(run: Run, cmd: ResolvedCommand): Promise<void> {
    const attach = async (io: ResolvedCommand['input'][number], kind: 'input' | 'output'): Promise<IoCount> => {
      const t = relayTarget(io.address);
      if (t === null) {
        return { id: io.id, address: io.configured, counted: false, bytes: 0, localPeers: new Set(), remoteIp: '' };
      }
      const relay = t.scheme === 'srt' ? await openUdpRelay(t.host, t.port) : await openRelay(t.host, t.port, (m) => this.#appendLog(run, `[relay] ${m}`));
      run.relays.push(relay);
      const name = relayedName(io.address, io.configured, relay.port);
      if (name !== null) run.names.push(name);
      io.address = rewriteToRelay(io.address, relay.port);
      // HTTP virtual hosts need the real Host header; FFmpeg sends a `Host:` from -headers instead of its own.
      if (t.scheme === 'http' && !io.options.includes('-headers')) {
        const hostPort = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
        io.options = [...io.options, '-headers', `Host: ${hostPort}\r\n`];
      }
      const count: IoCount = {
        id: io.id,
        address: io.configured,
        counted: true,
        get bytes() {
          return kind === 'input' ? relay.counts.downBytes : relay.counts.upBytes;
        },
        localPeers: relay.localPeers,
        get remoteIp() {
          return relay.remoteIp;
        },
      };
      return count;
    };
    for (const io of cmd.input) run.inputs.push(await attach(io, 'input'));
    for (const io of cmd.output) run.outputs.push(await attach(io, 'output'));
  }

  #cleanupRun(run: Run): void {
    run.ended = true;
    if (run.killTimer !== null) this.#deps.clock.clearTimeout(run.killTimer);
    if (this.#sampler !== null) this.#deps.clock.clearInterval(this.#sampler);
    this.#sampler = null;
    // FFmpeg has exited; its last bytes may still be in the relays: they drain, then close (5 s at most).
    for (const r of run.relays) r.close(5000);
  }

  #finish(run: Run, state: ExecState, reason: string): void {
    run.ended = true;
    this.exec = state;
    this.exitReason = reason;
    this.#lastLog = run.log;
    if (state === 'failed' || state === 'killed') this.#deps.log.warn('process ended', { id: this.id, state, reason });
    else this.#deps.log.info('process ended', { id: this.id, state, reason });
    if (this.order === 'start' && this.config.reconnect && run.stopReason === '') {
      const delayMs = Math.max(0, this.config.reconnectDelaySec * 1000);
      this.#reconnectAtMs = this.#deps.clock.now() + delayMs;
      this.#appendLog(run, `[core] reconnecting in ${this.config.reconnectDelaySec} s`);
      this.#reconnectTimer = this.#deps.clock.setTimeout(() => {
        this.#reconnectTimer = null;
        this.#reconnectAtMs = 0;
        if (this.order === 'start') void this.#spawn();
      }, delayMs);
    }
    this.history.push({ createdAtMs: run.createdAtMs, exitedAtMs: this.#deps.clock.now(), exitState: state, exitReason: reason, log: run.log.slice(-50) });
    if (this.history.length > 5) this.history.shift();
  }

  /** CPU and memory from /proc (Linux); stale and limit watchdogs. */
  async #sample(run: Run): Promise<void> {
    if (run.ended || run.pid <= 0) return;
    const now = this.#deps.clock.now();
    const inBytes = run.inputs.reduce((n, io) => n + io.bytes, 0);
    const outBytes = run.outputs.reduce((n, io) => n + io.bytes, 0);
    // Over 10 s, as Core's windows: HLS outputs upload a segment every few seconds, a 1 s rate would jump to 0.
    const samples = run.io.samples;
    samples.push({ atMs: now, inBytes, outBytes });
    if (samples.length > 11) samples.shift();
    const first = samples[0]!;
    if (now > first.atMs) {
      const sec = (now - first.atMs) / 1000;
      run.io.inBitsPerSec = ((inBytes - first.inBytes) * 8) / sec;
      run.io.outBitsPerSec = ((outBytes - first.outBytes) * 8) / sec;
    }
    try {
      const [stat, statm] = await Promise.all([readFile(`/proc/${run.pid}/stat`, 'utf8'), readFile(`/proc/${run.pid}/statm`, 'utf8')]);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (run.cpu.lastTicks >= 0 && now > run.cpu.lastAtMs) {
        const pct = ((ticks - run.cpu.lastTicks) / CLK_TCK / ((now - run.cpu.lastAtMs) / 1000)) * 100;
        run.cpu.cur = pct;
        run.cpu.max = Math.max(run.cpu.max, pct);
        run.cpu.sum += pct;
        run.cpu.n++;
      }
      run.cpu.lastTicks = ticks;
      run.cpu.lastAtMs = now;
      const rss = Number(statm.split(' ')[1]) * PAGE_BYTES;
      run.mem.cur = rss;
      run.mem.max = Math.max(run.mem.max, rss);
      run.mem.sum += rss;
      run.mem.n++;
    } catch {
      // The process is exiting; the exit handler records why.
    }
    if (run.ended) return;
    const c = this.config;
    if (c.staleTimeoutSec > 0 && now - run.lastProgressAtMs > c.staleTimeoutSec * 1000 && run.stopReason === '' && run.watchdogReason === '') {
      this.#killForReason(run, `stale: no progress for ${c.staleTimeoutSec} s`);
      return;
    }
    const overCpu = c.limits.cpuUsagePercent > 0 && run.cpu.cur > c.limits.cpuUsagePercent;
    const overMem = c.limits.memoryMbytes > 0 && run.mem.cur > c.limits.memoryMbytes * 1024 * 1024;
    if (overCpu || overMem) {
      if (run.overLimitSinceMs === 0) run.overLimitSinceMs = now;
      if (now - run.overLimitSinceMs >= c.limits.waitForSec * 1000 && run.stopReason === '' && run.watchdogReason === '') {
        const what = overMem ? `memory ${Math.round(run.mem.cur / 1024 / 1024)} MB > ${c.limits.memoryMbytes} MB` : `CPU ${run.cpu.cur.toFixed(1)} % > ${c.limits.cpuUsagePercent} %`;
        this.#killForReason(run, `limit exceeded: ${what} for ${c.limits.waitForSec} s`);
      }
    } else {
      run.overLimitSinceMs = 0;
    }
  }

  /** Kills a run for a watchdog reason; it then counts as failed and the restart policy applies. */
  #killForReason(run: Run, reason: string): void {
    this.#appendLog(run, `[core] killing FFmpeg: ${reason}`);
    run.watchdogReason = reason;
    this.#signal(run, 'SIGKILL');
  }

  /** Core's state (`GET /api/v3/process/{id}/state`) in the app's units; the API renders it. */
  state(): ProcessStateView {
    const run = this.#run;
    const now = this.#deps.clock.now();
    const live = run !== null && !run.ended;
    return {
      order: this.order,
      exec: this.exec,
      runtimeSec: live ? Math.floor((now - run.createdAtMs) / 1000) : 0,
      reconnectSec: this.#reconnectAtMs > 0 ? Math.max(0, Math.ceil((this.#reconnectAtMs - now) / 1000)) : -1,
      lastLogline: (run?.log.at(-1)?.line ?? this.#lastLog.at(-1)?.line) ?? '',
      exitReason: this.exitReason,
      progress: live ? run.progress : emptyProgress(),
      inputs: run?.inputs ?? [],
      outputs: run?.outputs ?? [],
      inBitsPerSec: live ? run.io.inBitsPerSec : 0,
      outBitsPerSec: live ? run.io.outBitsPerSec : 0,
      cpu: live ? { cur: run.cpu.cur, avg: run.cpu.n > 0 ? run.cpu.sum / run.cpu.n : 0, max: run.cpu.max } : { cur: 0, avg: 0, max: 0 },
      memoryBytes: live ? { cur: run.mem.cur, avg: run.mem.n > 0 ? run.mem.sum / run.mem.n : 0, max: run.mem.max } : { cur: 0, avg: 0, max: 0 },
      command: run?.command ?? [],
      pid: live ? run.pid : 0,
      startedAtMs: live ? run.createdAtMs : 0,
    };
  }

  /** The log tail of the current (or last) run. */
  logTail(): LogLine[] {
    return [...(this.#run?.log ?? this.#lastLog)];
  }

  /** When the current run started, for the report. */
  get runCreatedAtMs(): number {
    return this.#run?.createdAtMs ?? this.createdAtMs;
  }
}

/** A runner's state in the app's units (the API converts to Core's JSON). */
export interface ProcessStateView {
  order: 'start' | 'stop';
  exec: ExecState;
  runtimeSec: number;
  /** Seconds until the next reconnect, -1 when none is pending (Core's `reconnect_seconds`). */
  reconnectSec: number;
  lastLogline: string;
  exitReason: string;
  progress: FfmpegProgress;
  inputs: readonly IoCount[];
  outputs: readonly IoCount[];
  /** What the counted inputs received and the counted outputs sent over the last 10 s, bit/s. */
  inBitsPerSec: number;
  outBitsPerSec: number;
  cpu: { cur: number; avg: number; max: number };
  memoryBytes: { cur: number; avg: number; max: number };
  command: string[];
  pid: number;
  startedAtMs: number;
}
