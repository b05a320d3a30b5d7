/**
 * The local core's processes: the set of runners, kept in `<dataDir>/processes.json` (written atomically on every
 * change), the FFmpeg probe, autostart, the session feed's 1 s tick, and a clean stop of every FFmpeg on quit.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../atomic-file.ts';
import type { Clock, TimerHandle } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { resolveCommand, type CallerTrust, type LocalEndpoints } from './command.ts';
import { parseProcessConfig, processConfigToWire, ProcessConfigError, type ProcessConfig } from './config.ts';
import { probeFfmpeg, type FfmpegProbe } from './probe.ts';
import { settingSpec } from '../../shared/settings-schema.ts';
import { ProcessRunner } from './runner.ts';
import { SessionFeed, type FeedCollector, type MarkedCollectors } from './session-feed.ts';

export interface ProcessManagerDeps {
  dataDir: string;
  /** `--ffmpeg PATH`; default `ffmpeg` on PATH. */
  ffmpegBinary: string;
  endpoints: () => LocalEndpoints;
  clock: Clock;
  log: Logger;
  /** The `ffmpeg` collector and the servers' collectors whose sessions from own processes get marked (session-feed.ts). */
  collectors: { ffmpeg: FeedCollector; marked: MarkedCollectors };
  /** SIGTERM → SIGKILL grace on stop. Default 3000. */
  killGraceMs?: number;
  /** At most this many processes (the `maxProcesses` setting; default its schema default); a create beyond is refused. */
  maxProcesses?: number;
}

/** A process id that does not exist (the API's 404). */
export class UnknownProcessError extends Error {
  override name = 'UnknownProcessError';
}

export type ProcessCommand = 'start' | 'stop' | 'restart' | 'reload';

const FILE = 'processes.json';
/** FFmpeg's working folder under the data dir: private (0700), never the folder the app was started in. */
export const WORK_DIR = 'ffmpeg-work';
/** Process group ids of the running FFmpegs, so a start after a crash of the app can end the ones left behind. */
const PIDS_FILE = 'processes.pids.json';

export class ProcessManager {
  readonly #deps: ProcessManagerDeps;
  readonly #runners = new Map<string, ProcessRunner>();
  readonly feed: SessionFeed;
  #probe: FfmpegProbe | null = null;
  #probing: Promise<void> = Promise.resolve();
  #tick: TimerHandle | null = null;
  #stopped = false;
  readonly #onExit = (): void => this.killAllNow();
  readonly #workDir: string;

  constructor(deps: ProcessManagerDeps) {
    this.#deps = deps;
    this.#workDir = join(deps.dataDir, WORK_DIR);
    this.feed = new SessionFeed(deps.collectors.ffmpeg, deps.collectors.marked);
  }

  /**
   * Loads the saved processes, starts probing FFmpeg (in the background: start-up does not wait for it) and starts the
   * autostart processes, which wait for the probe. Never throws on a bad file.
   */
  async init(): Promise<void> {
    try {
      mkdirSync(this.#workDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.#deps.log.error(`cannot make FFmpeg's working folder ${this.#workDir}`, { error: String(err) });
    }
    this.#probing = this.#runProbe();
    this.#reapOrphans();
    for (const { config, createdAtMs } of this.#load()) this.#runners.set(config.id, this.#makeRunner(config, createdAtMs));
    this.#tick = this.#deps.clock.setInterval(() => {
      this.feed.tick();
      this.#savePids();
    }, 1000);
    // Last resort when the app exits without stop() (an uncaught error): no FFmpeg is left behind.
    process.on('exit', this.#onExit);
    for (const r of this.#runners.values()) if (r.config.autostart) r.start();
  }

  get probe(): FfmpegProbe | null {
    return this.#probe;
  }

  /** The probe result once the probe has run (at once when it has). */
  async whenProbed(): Promise<FfmpegProbe> {
    await this.#probing;
    return this.#probe ?? this.#runProbe().then(() => this.#probe!);
  }

  /** Probes the binary again (Core's `PUT /api/v3/skills/reload`). */
  async reprobe(): Promise<FfmpegProbe> {
    this.#probing = this.#runProbe();
    await this.#probing;
    return this.#probe!;
  }

  async #runProbe(): Promise<void> {
    const probe = await probeFfmpeg(this.#deps.ffmpegBinary);
    this.#probe = probe;
    if (!probe.ok) this.#deps.log.error(probe.message);
    else this.#deps.log.info('ffmpeg', { binary: probe.binary, version: probe.version });
  }

  /** Why processes cannot run, or null. */
  binaryProblem(): string | null {
    if (this.#probe === null) return 'FFmpeg has not been probed yet';
    return this.#probe.ok ? null : this.#probe.message;
  }

  list(): ProcessRunner[] {
    return [...this.#runners.values()];
  }

  get(id: string): ProcessRunner {
    const r = this.#runners.get(id);
    if (!r) throw new UnknownProcessError(`Unknown process ID: ${id}`);
    return r;
  }

  /**
   * Validates (types, placeholders, the caller's access rules, id unused, the bound on processes) and adds; starts it
   * when autostart.
   */
  create(json: unknown, trust: CallerTrust): ProcessRunner {
    const config = this.#validate(json, trust);
    if (this.#runners.has(config.id)) throw new ProcessConfigError(`a process with the id "${config.id}" already exists`);
    const max = this.#deps.maxProcesses ?? (settingSpec('maxProcesses')!.default as number);
    if (this.#runners.size >= max) {
      throw new ProcessConfigError(`there are already ${this.#runners.size} processes, the most this app keeps (--max-processes ${max}): delete one first`);
    }
    const runner = this.#makeRunner(config);
    this.#runners.set(config.id, runner);
    this.#save();
    if (config.autostart) runner.start();
    return runner;
  }

  /**
   * Replaces a process's configuration (the id may change to an unused one). As Core's UpdateProcess: the order
   * carries over (a started process stops and starts with the new configuration, a stopped one stays stopped, whatever
   * the new `autostart` says).
   */
  async update(id: string, json: unknown, trust: CallerTrust): Promise<ProcessRunner> {
    const runner = this.get(id);
    const config = this.#validate(json, trust);
    if (config.id !== id && this.#runners.has(config.id)) throw new ProcessConfigError(`a process with the id "${config.id}" already exists`);
    if (config.id !== id) {
      await runner.stop('replaced');
      this.#runners.delete(id);
      const next = this.#makeRunner(config, runner.createdAtMs);
      this.#runners.set(config.id, next);
      this.#save();
      if (runner.order === 'start') next.start();
      return next;
    }
    await runner.reload(config);
    this.#save();
    return runner;
  }

  async delete(id: string): Promise<void> {
    const runner = this.get(id);
    this.#runners.delete(id);
    this.#save();
    await runner.stop('deleted');
  }

  async command(id: string, command: ProcessCommand): Promise<void> {
    const runner = this.get(id);
    if (command === 'start') runner.start();
    else if (command === 'stop') await runner.stop();
    else if (command === 'restart') await runner.restart();
    else await runner.reload(runner.config);
  }

  /** Stops every FFmpeg (SIGTERM, then SIGKILL after the grace), keeping their definitions for the next start. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#tick !== null) this.#deps.clock.clearInterval(this.#tick);
    await Promise.all([...this.#runners.values()].map((r) => r.stop('the app is quitting')));
    this.feed.tick();
    this.#savePids();
    process.off('exit', this.#onExit);
  }

  /** Synchronous SIGKILL of every FFmpeg process group (the process 'exit' hook). */
  killAllNow(): void {
    for (const r of this.#runners.values()) {
      if (r.pid > 0) {
        try {
          process.kill(-r.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  #savedPids = '';

  /** Writes the running FFmpegs' pids when they changed (atomic, like every file of the data dir). */
  #savePids(): void {
    const pids = [...this.#runners.values()].map((r) => r.pid).filter((p) => p > 0).sort((a, b) => a - b);
    const text = JSON.stringify({ ffmpeg: this.#deps.ffmpegBinary, pids });
    if (text === this.#savedPids) return;
    try {
      writeFileAtomicSync(join(this.#deps.dataDir, PIDS_FILE), text + '\n');
      this.#savedPids = text;
    } catch (err) {
      this.#deps.log.warn('could not save the FFmpeg pids', { error: String(err) });
    }
  }

  /**
   * After a crash of the app (SIGKILL leaves no time to stop anything, and Node has no prctl(PDEATHSIG)), the FFmpegs
   * of the last run may still run: end every recorded pid that is still an FFmpeg started by this runner (its command
   * line has our `-progress pipe:1`), with its process group.
   */
  #reapOrphans(): void {
    let saved: { pids?: unknown };
    try {
      saved = JSON.parse(readFileSync(join(this.#deps.dataDir, PIDS_FILE), 'utf8')) as { pids?: unknown };
    } catch {
      return;
    }
    if (!Array.isArray(saved.pids)) return;
    for (const pid of saved.pids) {
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1) continue;
      let cmdline: string[];
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue; // gone
      }
      const ours = /ffmpeg/i.test(cmdline[0] ?? '') && cmdline.includes('-progress') && cmdline.includes('pipe:1') && cmdline.includes('-nostdin');
      if (!ours) continue;
      try {
        process.kill(-pid, 'SIGKILL');
        this.#deps.log.warn('ended an FFmpeg left running by an earlier run of the app', { pid });
      } catch {
        // Not a group leader any more, or gone.
      }
    }
  }

  #validate(json: unknown, trust: CallerTrust): ProcessConfig {
    const config = parseProcessConfig(json);
    resolveCommand(config, this.#deps.endpoints(), trust);
    return config;
  }

  #makeRunner(config: ProcessConfig, createdAtMs?: number): ProcessRunner {
    return new ProcessRunner(
      config,
      {
        binary: () => this.#deps.ffmpegBinary,
        binaryProblem: () => this.binaryProblem(),
        ready: () => this.#probing,
        endpoints: this.#deps.endpoints,
        workDir: this.#workDir,
        clock: this.#deps.clock,
        log: this.#deps.log,
        onRunStart: (run) => this.feed.add(run),
        killGraceMs: this.#deps.killGraceMs,
      },
      createdAtMs,
    );
  }

  #load(): { config: ProcessConfig; createdAtMs: number }[] {
    const path = join(this.#deps.dataDir, FILE);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#deps.log.warn(`${path} is unreadable, starting without processes`, { error: String(err) });
      return [];
    }
    const list = (raw as { processes?: unknown }).processes;
    if (!Array.isArray(list)) return [];
    const out: { config: ProcessConfig; createdAtMs: number }[] = [];
    for (const item of list) {
      try {
        const config = parseProcessConfig(item);
        const created = (item as { created_at?: unknown }).created_at;
        out.push({ config, createdAtMs: typeof created === 'number' ? created * 1000 : this.#deps.clock.now() });
      } catch (err) {
        this.#deps.log.warn(`skipping a saved process: ${(err as Error).message}`);
      }
    }
    return out;
  }

  #save(): void {
    const processes = [...this.#runners.values()].map((r) => ({ ...processConfigToWire(r.config), created_at: Math.floor(r.createdAtMs / 1000) }));
    try {
      writeFileAtomicSync(join(this.#deps.dataDir, FILE), JSON.stringify({ processes }, null, 2) + '\n');
    } catch (err) {
      this.#deps.log.error('could not save the processes', { error: String(err) });
    }
  }
}
