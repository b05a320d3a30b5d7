/**
 * Starts the real headless server (`src/main/headless.ts` on Node 24) as a child process for tests, on ephemeral
 * loopback ports, and waits for its `listening` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Children } from './children.ts';
import { headlessNodeSettings } from '../../build/serve.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
export const HEADLESS = join(ROOT, 'src', 'main', 'headless.ts');
/** The built bundle of headless mode, which the `core-sessions` command and `npm run serve` run (after a build). */
export const HEADLESS_BUNDLE = join(ROOT, 'out', 'main', 'headless.js');
/** The node flags and environment headless mode ships with: the `core-sessions` command's first line (also `npm run serve`'s). */
export const { flags: HEADLESS_NODE_FLAGS, env: HEADLESS_ENV } = headlessNodeSettings(ROOT);

export interface Headless {
  proc: ChildProcess;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** e.g. rtmp://127.0.0.1:40124, when RTMP is on */
  rtmpUrl?: string;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'core-sessions-test-'));
}

/** Runs headless mode to completion (for --help and start-up errors). */
export function runHeadless(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const proc = spawn(NODE, [...HEADLESS_NODE_FLAGS, HEADLESS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...HEADLESS_ENV } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`headless did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** How to start headless mode; everything optional. */
export interface StartHeadlessOptions {
  /** Default: a fresh one. */
  dataDir?: string;
  /** Written into the data directory first (e.g. `alerts.json`). */
  files?: Record<string, string>;
  /** The test's tracked children: the server is ended with them. */
  children?: Children;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Extra node flags after the shipped ones (e.g. `--cpu-prof` for a bench). */
  nodeFlags?: string[];
  /** The script node runs: HEADLESS (default, no build needed) or HEADLESS_BUNDLE (built first by the caller). */
  entry?: string;
  /** Listener flags of the defaults to leave off (e.g. `--rtmp`: the saved settings' address applies). */
  omit?: ReadonlyArray<'--listen' | '--rtmp' | '--srt'>;
  /** The server's working folder (default the repository): a test of what lands there. */
  cwd?: string;
}

/** Starts headless mode with `--listen 127.0.0.1:0 --rtmp 127.0.0.1:0 --srt 127.0.0.1:0` (less `omit`) and a fresh data dir unless given. */
export function startHeadless(args: string[] = [], options: StartHeadlessOptions = {}): Promise<Headless> {
  const dataDir = options.dataDir ?? tempDataDir();
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dataDir, name), text);
  const listeners = (['--listen', '--rtmp', '--srt'] as const).filter((f) => !options.omit?.includes(f)).flatMap((f) => [f, '127.0.0.1:0']);
  const full = [...listeners, '--data-dir', dataDir, '--log-level', 'warn', ...args];
  const env = { ...process.env, ...HEADLESS_ENV, ...options.env };
  const proc = spawn(NODE, [...HEADLESS_NODE_FLAGS, ...(options.nodeFlags ?? []), options.entry ?? HEADLESS, ...full], { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  options.children?.adopt(proc);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`headless did not start within ${options.timeoutMs ?? 20_000} ms\nstdout: ${out}\nstderr: ${err}`));
    }, options.timeoutMs ?? 20_000);
    const early = (code: number | null): void => {
      clearTimeout(timer);
      fail(new Error(`headless exited with ${code} before listening\nstdout: ${out}\nstderr: ${err}`));
    };
    proc.on('exit', early);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening (\S+)$/m.exec(out);
      if (!m || !/^dashboard /m.test(out)) return;
      clearTimeout(timer);
      proc.off('exit', early);
      const rtmp = /^rtmp (\S+)$/m.exec(out);
      done({
        proc,
        url: m[1],
        rtmpUrl: rtmp?.[1],
        dataDir,
        stdout: () => out,
        stderr: () => err,
        stop: (signal = 'SIGTERM') => {
          if (proc.exitCode !== null || proc.signalCode !== null) return exited;
          proc.kill(signal);
          const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          return exited.finally(() => clearTimeout(kill));
        },
      });
    });
  });
}
