/** Child processes of a test (ffmpeg, the headless server), tracked so the test's teardown ends every one. */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** How much of a child's stdout + stderr `output()` keeps (the end). */
const OUTPUT_TAIL_CHARS = 20_000;

/** A spawned child with the tail of its output and its exit code (null when killed by a signal). */
export type TrackedChild = ChildProcess & { output: () => string; done: Promise<number | null> };

/** The child processes a test started; `killAll()` in afterEach/afterAll. */
export class Children {
  readonly #procs = new Set<ChildProcess>();

  /** Spawns `cmd` in the repository root with stdout and stderr piped and kept (the last 20 000 characters). */
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): TrackedChild {
    const p = this.adopt(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, ...opts }));
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-OUTPUT_TAIL_CHARS)));
    p.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-OUTPUT_TAIL_CHARS)));
    const done = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    return Object.assign(p, { output: () => out, done });
  }

  /** Tracks a child started elsewhere (e.g. by startHeadless), so `killAll` ends it too. */
  adopt<P extends ChildProcess>(p: P): P {
    this.#procs.add(p);
    p.once('close', () => this.#procs.delete(p));
    return p;
  }

  /**
   * Ends every tracked child. Without `termGraceMs`: SIGKILL at once (sent before this returns, so a teardown need
   * not await it). With it: SIGTERM first (a server shuts down cleanly, `timeout` passes it on to its ffmpeg) and
   * SIGKILL to whatever still runs `termGraceMs` later; resolves when all are gone.
   */
  async killAll({ termGraceMs = 0 }: { termGraceMs?: number } = {}): Promise<void> {
    const procs = [...this.#procs];
    this.#procs.clear();
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((done) => {
            if (termGraceMs === 0) {
              p.kill('SIGKILL');
              return done();
            }
            if (p.exitCode !== null || p.signalCode !== null) return done();
            const timer = setTimeout(() => {
              p.kill('SIGKILL');
              done();
            }, termGraceMs);
            p.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
  }
}

/**
 * Runs `cmd args` (in the repository root) and SIGKILLs it `killDelayMs` after its stdout first satisfies `armed`
 * (given the complete lines so far): the crash tests' kill at a chosen moment. Resolves with every complete stdout
 * line it printed; fails when it exits by itself, or is not armed within `guardMs`.
 */
export function killMidway(cmd: string, args: string[], o: { armed: (lines: string[]) => boolean; killDelayMs: number; guardMs: number }): Promise<string[]> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    const lines = (): string[] => out.split('\n').slice(0, -1);
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')}: not armed within ${o.guardMs} ms\n${out.slice(-500)}\n${err}`));
    }, o.guardMs);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killTimer === undefined && o.armed(lines())) {
        clearTimeout(guard);
        killTimer = setTimeout(() => child.kill('SIGKILL'), o.killDelayMs);
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') fail(new Error(`${cmd} ${args.join(' ')} exited by itself (code ${code}): ${err}`));
      else done(lines());
    });
  });
}

/** Waits (bounded) until ffmpeg and ffprobe are on the PATH: they may still be being installed when tests start. */
export async function waitForFfmpeg(): Promise<void> {
  await waitFor(() => {
    try {
      execFileSync('which', ['ffmpeg']);
      execFileSync('which', ['ffprobe']);
      return true;
    } catch {
      return false;
    }
  }, 'ffmpeg to be installed', 50_000, 1000);
}
