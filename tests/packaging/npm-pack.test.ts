/**
 * The headless command as a user gets it: `npm pack` of this repository, the tarball installed into an empty folder
 * with `npm install --omit=dev` (offline: the package has no production dependencies, so nothing may be needed from
 * a registry), then `core-sessions` started from that folder's node_modules/.bin with Node 24 first on the PATH (the
 * bin's own `#!/usr/bin/env node`). Proves: the built JavaScript runs without TypeScript or Electron, `--help` and
 * `--version`, the dashboard served from the package, /api, and a real ffmpeg RTMP publish; SIGTERM stops it cleanly.
 * An older Node gets one clear line. The installed size is printed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderer } from '../e2e/support.ts';
import { withOutLocked } from './support.ts';
import { HEADLESS_ENV, HEADLESS_NODE_FLAGS } from '../support/headless.ts';
import { ffmpegPublishArgs } from '../main/servers/rtmp/support.ts';
import { ensureBuilt, NODE, ROOT } from '../main/shell/smoke/harness.ts';
import { waitFor } from '../support/wait.ts';
import { Children, waitForFfmpeg } from '../support/children.ts';

const work = mkdtempSync(join(tmpdir(), 'core-sessions-npm-'));
const installDir = join(work, 'install');
const BIN = join(installDir, 'node_modules', '.bin', 'core-sessions');
/** Node 24 (the project's) before the system's Node on the PATH, as on a machine with Node 24 installed. */
const PATH_WITH_NODE24 = `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`;
const children = new Children();
let tarballBytes = 0;
let packMs = 0;
let installMs = 0;

function bytesBelow(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    total += st.isDirectory() ? bytesBelow(p) : st.size;
  }
  return total;
}

function runBin(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { cwd: installDir, env: { ...process.env, PATH: PATH_WITH_NODE24, ...env }, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // out/main and out/preload (smoke build), out/renderer (the e2e build), each cached by a hash of its sources.
  await ensureBuilt();
  await buildRenderer();
  // --ignore-scripts: prepack would rebuild out/; ensureBuilt made it from the current sources (under the build lock).
  let started = performance.now();
  const packed = await withOutLocked(async () =>
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }),
  );
  packMs = performance.now() - started;
  const info = (JSON.parse(packed) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>)[0]!;
  tarballBytes = info.size;
  const tarball = join(work, info.filename);
  mkdirSync(installDir);
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'empty', version: '1.0.0', private: true }));
  started = performance.now();
  execFileSync('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', tarball], { cwd: installDir, encoding: 'utf8', timeout: 120_000 });
  installMs = performance.now() - started;
}, 180_000);

afterAll(async () => {
  await children.killAll();
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack → npm install --omit=dev → core-sessions (headless, from the package)', () => {
  it('installs only the bin, the built bundles and the dashboard (no sources, no dependencies)', () => {
    const pkgDir = join(installDir, 'node_modules', 'core-sessions');
    const files: string[] = [];
    const walk = (d: string, rel: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
        else files.push(`${rel}${name}`);
      }
    };
    walk(pkgDir, '');
    for (const f of files) expect(f.split('/').some((part) => part.startsWith('.')), f).toBe(false);
    for (const f of files) expect(f, f).toMatch(/^(package\.json|README\.md|LICENSE.*|bin\/core-sessions\.js|out\/main\/[^/]+\.js|out\/renderer\/.+|resources\/linux\/core-sessions\.service)$/);
    expect(files).toEqual(expect.arrayContaining(['bin/core-sessions.js', 'out/main/headless.js', 'out/renderer/index.html', 'resources/linux/core-sessions.service']));
    // The only package installed is core-sessions itself.
    expect(readdirSync(join(installDir, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['core-sessions']);
    const installedBytes = bytesBelow(join(installDir, 'node_modules'));
    process.stdout.write(
      `[npm-pack] tarball ${(tarballBytes / 1e6).toFixed(2)} MB (npm pack ${(packMs / 1000).toFixed(1)} s); installed ${(installedBytes / 1e6).toFixed(2)} MB in ${files.length} files (npm install ${(installMs / 1000).toFixed(1)} s)\n`,
    );
  });

  it('runs with the memory settings of `npm run serve` (the memory budget holds for both)', () => {
    expect(HEADLESS_NODE_FLAGS).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/), expect.stringMatching(/^--max-old-space-size=\d+$/)]));
    expect(HEADLESS_ENV).toEqual({ MALLOC_ARENA_MAX: expect.stringMatching(/^\d+$/) });
    const installedFirstLine = readFileSync(join(installDir, 'node_modules', 'core-sessions', 'bin', 'core-sessions.js'), 'utf8').split('\n', 1)[0];
    const assignments = Object.entries(HEADLESS_ENV).map(([name, value]) => `${name}=${value}`);
    expect(installedFirstLine).toBe(`#!/usr/bin/env -S ${assignments.join(' ')} node ${HEADLESS_NODE_FLAGS.join(' ')}`);
    // `npm run serve` starts the same bundle through build/serve.ts, which reads the settings from that line.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.serve).toMatch(/&& node build\/serve\.ts$/);
  });

  it('--version, --help; an older Node gets one clear line naming the version', () => {
    const version = runBin(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^core-sessions \d+\.\d+\.\d+/);
    const help = runBin(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--listen HOST:PORT');
    // Any Node below 24 on this machine (Debian's is 20): the same bin, found first on the PATH.
    const systemNode = spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' }).stdout.trim();
    const systemMajor = systemNode ? Number(execFileSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim()) : 99;
    if (systemMajor < 24) {
      const old = spawnSync(BIN, ['--help'], { cwd: installDir, env: { ...process.env, PATH: `${dirname(systemNode)}${delimiter}${process.env.PATH ?? ''}` }, encoding: 'utf8' });
      expect(old.status).toBe(1);
      expect(old.stdout).toBe('');
      expect(old.stderr.trim().split('\n')).toEqual([`core-sessions needs Node.js 24 or newer; this is Node.js ${execFileSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()}.`]);
    }
  });

  it('serves /api, the dashboard at /ui/ and an ffmpeg RTMP publish, and stops on SIGTERM', async () => {
    await waitForFfmpeg();
    const dataDir = join(work, 'data');
    const proc: ChildProcess = spawn(BIN, ['--listen', '127.0.0.1:0', '--rtmp', '127.0.0.1:0', '--srt', 'off', '--data-dir', dataDir, '--log-level', 'warn'], {
      cwd: installDir,
      env: { ...process.env, PATH: PATH_WITH_NODE24 },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    try {
      await waitFor(async () => /^dashboard /m.test(out), () => `core-sessions to listen\n${out}`, 20_000, 100);
      const api = /^listening (\S+)$/m.exec(out)![1]!;
      const rtmp = /^rtmp (\S+)$/m.exec(out)![1]!;

      // env -S ran node with the flags and the environment of the bin's first line.
      const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
      for (const flag of HEADLESS_NODE_FLAGS) expect(cmdline).toContain(flag);
      const environ = readFileSync(`/proc/${proc.pid}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(HEADLESS_ENV)) expect(environ).toContain(`${name}=${value}`);

      const about = await fetch(`${api}/api`);
      expect(about.status).toBe(200);
      expect(await about.json()).toMatchObject({ app: expect.any(String) });

      const ui = await fetch(`${api}/ui/`);
      expect(ui.status).toBe(200);
      const html = await ui.text();
      expect(html).toContain('<div id="root">');
      const script = /<script[^>]+src="([^"]+)"/.exec(html)![1]!;
      const js = await fetch(new URL(script, `${api}/ui/`));
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);

      const pub = children.spawn('timeout', ['30', 'ffmpeg', ...ffmpegPublishArgs(`${rtmp}/live/packaged`)]);
      const active = async (): Promise<Array<{ reference?: string }>> => {
        const res = await fetch(`${api}/api/v3/session/active?collectors=rtmp`);
        return ((await res.json()) as { rtmp: Array<{ reference?: string }> }).rtmp;
      };
      await waitFor(async () => (await active()).some((s) => s.reference?.includes('/live/packaged') === true), () => `an active rtmp publish session\n${out}`, 20_000, 200);
      pub.kill('SIGKILL');

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(readdirSync(join(dataDir, 'sessions'))).toContain('rtmp.json');
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  }, 60_000);
});
