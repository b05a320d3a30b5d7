/**
 * The smoke test's harness: builds out/main and out/preload (once per source state, under a lock), and runs the
 * BUILT main bundle under plain Node 24 with the fake `electron` (../electron-fake.ts, driven by ./driven-electron.ts,
 * through ./register.ts), a temp userData and loopback-only, ephemeral listeners. The test drives the fake over the
 * child-process IPC channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { hashSources, withLock } from '../../../support/build-cache.ts';
import { waitFor } from '../../../support/wait.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
export const MAIN_BUNDLE = join(ROOT, 'out', 'main', 'index.js');
export const PRELOAD_BUNDLE = join(ROOT, 'out', 'preload', 'index.cjs');
export const RENDERER_HTML = join(ROOT, 'out', 'renderer', 'index.html');
const REGISTER = join(import.meta.dirname, 'register.ts');
const SMOKE_CONFIG = join(import.meta.dirname, 'electron.vite.config.ts');
const STAMP = join(ROOT, 'out', 'main', '.smoke-build-stamp');

/** What the fake reports (see `state()` in ./driven-electron.ts). */
export interface FakeState {
  calls: string[];
  exitCode: number | null;
  lockRequested: boolean;
  appUserModelId: string;
  appListeners: string[];
  windows: Array<{
    options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>;
    loaded: { kind: 'file' | 'url'; target: string } | null;
    url: string;
    visible: boolean;
    destroyed: boolean;
    sent: Record<string, number>;
    windowOpenHandler: boolean;
    permissionHandlers: boolean;
    contentsListeners: string[];
  }>;
  handlers: string[];
  ipcListeners: string[];
  privilegedSchemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>;
  protocolFetches: Array<{ url: string; status: number; contentType: string; csp: string; bytes: number }>;
  /** Roles (or labels) of the application menu, flattened; null when none was set. */
  applicationMenu: string[] | null;
  loginItem: { openAtLogin: boolean; openAsHidden: boolean; args: string[] };
  isPackaged: boolean;
  trays: Array<{
    images: Array<Array<{ scaleFactor: number; bytes: number; png: boolean }>>;
    tooltip: string;
    menuLabels: string[];
    menus: number;
    destroyed: boolean;
  }>;
  notifications: Array<{ title: string; body: string }>;
  errorBoxes: Array<{ title: string; content: string }>;
  externalUrls: string[];
  saveDialogs: Array<{ defaultPath: string; filePath: string }>;
}

/** A hash of everything the main and preload bundles are built from. */
function bundleSourceHash(): string {
  return hashSources(['src/main', 'src/preload', 'src/shared'], ['electron.vite.config.ts', 'package-lock.json', 'package.json', relative(ROOT, SMOKE_CONFIG)]);
}


function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    proc.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal})\n${out}`));
    });
  });
}

/**
 * Makes sure out/main/index.js and out/preload/index.cjs are built from the current sources (electron-vite with the
 * project's config, renderer left out), and that out/renderer/index.html exists (built by the e2e helper, under its
 * lock, only when missing: out/renderer is never emptied here).
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  await withLock(join(ROOT, 'out', '.smoke-build.lock'), async () => {
    const hash = bundleSourceHash();
    const fresh = existsSync(MAIN_BUNDLE) && existsSync(PRELOAD_BUNDLE) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash;
    if (fresh) return;
    const cli = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    await run(NODE, [cli, 'build', '--config', SMOKE_CONFIG, '--logLevel', 'warn'], 60_000);
    writeFileSync(STAMP, hash);
  });
  if (!existsSync(RENDERER_HTML)) {
    const { buildRenderer } = await import('../../../e2e/support.ts');
    await buildRenderer();
  }
}

export interface SmokeOptions {
  /** An existing userData (a restart); default: a fresh temp dir with config.json and alerts.json. */
  userData?: string;
  env?: Record<string, string>;
  /** Command-line arguments after the bundle (e.g. --hidden). */
  args?: string[];
  /** Per command; the test's own timeouts bound the whole run. */
  commandTimeoutMs?: number;
  /** The script Node runs (default: the built main bundle) and Node flags before it (after the fake's --import). */
  main?: string;
  nodeArgs?: string[];
  /** Working directory (default: the repository). */
  cwd?: string;
}

export interface SmokeApp {
  proc: ChildProcess;
  userData: string;
  downloads: string;
  reportFile: string;
  command<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  state(): Promise<FakeState>;
  /** Polls the fake's state until `check` holds (returns the state) or the deadline passes (throws with `what`). */
  waitFor(check: (s: FakeState) => boolean, what: string, timeoutMs?: number): Promise<FakeState>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** The fake's final state, written as the process exits. */
  report(): FakeState;
  stderr(): string;
  kill(): Promise<void>;
}

/** A fresh userData: loopback listeners on ephemeral ports, and an alert rule that fires on the first session. */
export function freshUserData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'core-sessions-smoke-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', rtmp: '127.0.0.1:0', srt: '127.0.0.1:0' }));
  writeFileSync(
    join(dir, 'alerts.json'),
    JSON.stringify({ rules: [{ id: 'smoke-any-session', kind: 'sessions-above', raiseAbove: 0, clearAtOrBelow: 0 }] }),
  );
  return dir;
}

export function startSmokeApp(options: SmokeOptions = {}): SmokeApp {
  const userData = options.userData ?? freshUserData();
  const downloads = join(userData, 'downloads');
  mkdirSync(downloads, { recursive: true });
  const reportFile = join(userData, `smoke-report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  // XDG_CONFIG_HOME: the Linux autostart entry goes below userData, never into the real ~/.config.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SMOKE_USER_DATA: userData,
    SMOKE_DOWNLOADS: downloads,
    SMOKE_REPORT_FILE: reportFile,
    XDG_CONFIG_HOME: join(userData, 'xdg-config'),
    ...options.env,
  };
  // Development mode would load the dev server's URL instead of the built page.
  delete env.ELECTRON_RENDERER_URL;
  const argv = ['--import', REGISTER, ...(options.nodeArgs ?? []), options.main ?? MAIN_BUNDLE, ...(options.args ?? [])];
  const proc = spawn(NODE, argv, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-16_000)));
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-16_000)));
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  const pending = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  proc.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.done(m.value);
    else p.fail(new Error(m.error));
  });
  void exited.then((code) => {
    for (const p of pending.values()) p.fail(new Error(`the app exited (${code}) before answering\n${err}`));
    pending.clear();
  });
  const timeoutMs = options.commandTimeoutMs ?? 5000;

  const command = <T>(cmd: string, args?: Record<string, unknown>): Promise<T> =>
    new Promise<T>((done, fail) => {
      if (proc.exitCode !== null || !proc.connected) return fail(new Error(`the app is not running (${cmd})\n${err}`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        fail(new Error(`no answer to ${cmd} within ${timeoutMs} ms\n${err}`));
      }, timeoutMs);
      pending.set(id, {
        done: (v) => (clearTimeout(timer), done(v as T)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      });
      proc.send({ id, cmd, args });
    });
  const state = (): Promise<FakeState> => command<FakeState>('state');

  return {
    proc,
    userData,
    downloads,
    reportFile,
    command,
    state,
    async waitFor(check, what, waitMs = 10_000) {
      let last: FakeState | undefined;
      const seen = async (): Promise<FakeState | false> => {
        last = await state();
        return check(last) && last;
      };
      return waitFor(seen, () => `${what}\nlast state: ${JSON.stringify(last)?.slice(0, 4000)}\noutput: ${err}`, waitMs, 100);
    },
    exited,
    report: () => JSON.parse(readFileSync(reportFile, 'utf8')) as FakeState,
    stderr: () => err,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      // SIGKILL: the fake turns SIGTERM into a graceful quit, which a failed test must not wait for.
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Exits within `ms`, or fails with the output. */
export async function exitWithin(app: SmokeApp, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`the app did not exit within ${ms} ms\n${app.stderr()}`)), ms);
  });
  try {
    return await Promise.race([app.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
