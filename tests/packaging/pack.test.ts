/**
 * The desktop package, as far as this machine can build it: electron-builder's `--dir` target with the project's
 * electron-builder.yml, then the produced app.asar opened and the packed main bundle started from inside it.
 *
 * Why a stand-in Electron: the real Electron binary cannot be downloaded here (electron's npm package fetches it
 * lazily from outside the npm registry), and electron-builder would fetch it too. `electronDist` points it at a folder
 * with a placeholder executable instead: a shell script that only says what it is, carrying Electron's fuse wire (the
 * sentinel and Electron 45's default fuse values) so that electron-builder's fuse step (@electron/fuses) runs on it
 * exactly as on the real binary, and this test can read back what was flipped. Everything else electron-builder does
 * for `--dir` (copying the distribution, renaming the executable, collecting files and production dependencies,
 * writing app.asar, the fuses) is the real thing.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderer } from '../e2e/support.ts';
import { withOutLocked } from './support.ts';
import { ensureBuilt, exitWithin, NODE, ROOT, startSmokeApp, type FakeState, type SmokeApp } from '../main/shell/smoke/harness.ts';
import { expectPageServed } from '../main/shell/smoke/expect-page.ts';
import { getMainWindowOptions } from '../../src/main/shell/window.ts';
import { DEFAULT_WINDOW_STATE } from '../../src/main/shell/window-state.ts';
import { INVOKE_CHANNELS } from '../../src/shared/ipc.ts';

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 45's fuse wire as shipped: RunAsNode 1, cookie encryption 0, NODE_OPTIONS 1, --inspect 1, asar integrity 0, only-asar 0, V8 snapshot 0, file protocol privileges 1. */
const SHIPPED_FUSES = '10110001';
/** A fuse's byte in the wire (@electron/fuses' FuseState, which its index does not export). */
const FuseState = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) } as const;

const work = mkdtempSync(join(tmpdir(), 'core-sessions-pack-'));
const standIn = join(work, 'electron-dist');
const output = join(work, 'dist');
const appDir = join(output, 'linux-unpacked');
const asarPath = join(appDir, 'resources', 'app.asar');
let packMs = 0;

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-16_000)));
    proc.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-16_000)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${args.join(' ')} failed (${code ?? signal})\n${out}`));
    });
  });
}

/** Files below `dir` (relative to ROOT, forward slashes). */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(ROOT, p).split('\\').join('/'));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** Every file (not folder) in the archive, without the leading slash. */
function asarFiles(): string[] {
  return asar
    .listPackage(asarPath, { isPack: false })
    .map((p) => p.replace(/^[\\/]/, '').split('\\').join('/'))
    .filter((p) => !('files' in (asar.statFile(asarPath, p) as object)));
}

beforeAll(async () => {
  // out/main and out/preload (smoke build), out/renderer (the e2e build), each cached by a hash of its sources.
  await ensureBuilt();
  await buildRenderer();
  mkdirSync(standIn, { recursive: true });
  writeFileSync(
    join(standIn, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary (tests/packaging/pack.test.ts): the real one cannot be downloaded here" >&2\nexit 1\n# '),
      Buffer.from(FUSE_SENTINEL, 'latin1'),
      Buffer.from([1, SHIPPED_FUSES.length]),
      Buffer.from(`${SHIPPED_FUSES}\n`, 'latin1'),
    ]),
  );
  chmodSync(join(standIn, 'electron'), 0o755);
  const cli = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
  const started = performance.now();
  // Both build locks: no other test rebuilds out/ while electron-builder collects it.
  await withOutLocked(() => run(NODE, [cli, '--dir', '--linux', `--${process.arch}`, `-c.electronDist=${standIn}`, `-c.directories.output=${output}`], 150_000));
  packMs = performance.now() - started;
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('desktop package (electron-builder --dir with a stand-in Electron)', () => {
  it('app.asar holds exactly the built out/ bundles, package.json and the production dependencies; the fuses are flipped', async () => {
    expect(existsSync(asarPath)).toBe(true);
    const files = asarFiles();
    const built = [...filesBelow('out/main'), ...filesBelow('out/preload'), ...filesBelow('out/renderer')].filter(
      (f) => !f.split('/').some((part) => part.startsWith('.')) && !f.endsWith('.map') && (!f.startsWith('out/main/') || f.endsWith('.js')),
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies: Record<string, string>; main: string };
    // Production dependencies: their packages, nothing else, under node_modules (none today: main bundles undici).
    const dependencies = Object.keys(pkg.dependencies ?? {});
    const modules = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    expect([...modules].sort()).toEqual(dependencies.sort());
    expect(files.filter((f) => !f.startsWith('node_modules/')).sort()).toEqual([...built, 'package.json'].sort());
    // No sources, tests, benches, configs, dev dependencies.
    for (const f of files) expect(f, f).not.toMatch(/^(src|tests|bench|build|resources|docs)\/|\.tsx?$|^(electron\.vite\.config|vitest\.config|tsconfig)/);
    for (const dev of Object.keys(pkg.devDependencies)) expect(modules.has(dev), dev).toBe(false);
    const packed = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as { main: string; name: string };
    expect(packed.main).toBe(pkg.main);
    expect(files).toContain(packed.main.replace(/^\.\//, ''));
    expect(files).toContain('out/renderer/index.html');
    expect(files).toContain('out/preload/index.cjs');

    // The executable is the stand-in renamed to the product's executable name, with the fuses of electron-builder.yml.
    const exe = join(appDir, 'core-sessions');
    expect(readFileSync(exe, 'latin1')).toContain('stand-in for the Electron binary');
    const wire = await getCurrentFuseWire(exe);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);

    const asarBytes = statSync(asarPath).size;
    process.stdout.write(`[pack] electron-builder --dir: ${(packMs / 1000).toFixed(1)} s; app.asar ${(asarBytes / 1e6).toFixed(2)} MB, ${files.length} files\n`);
  });

  it('the packed main bundle starts from inside app.asar (fake electron): window, page over app://, IPC, clean quit', async () => {
    const loadedLog = join(work, 'asar-loads.txt');
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const app: SmokeApp = startSmokeApp({
      main: join(import.meta.dirname, 'asar', 'run-main.ts'),
      nodeArgs: ['--import', join(import.meta.dirname, 'asar', 'register.ts')],
      env: { SMOKE_MAIN_URL: pathToFileURL(join(asarPath, 'out', 'main', 'index.js')).href, SMOKE_PACKAGED: '1', SMOKE_ASAR_LOG: loadedLog },
      cwd,
    });
    try {
      await app.waitFor((s) => s.calls.includes('app.whenReady'), 'app.whenReady');
      await app.command('ready');
      const started = (s: FakeState): boolean => s.windows[0]?.loaded != null && s.trays.length === 1 && s.handlers.length > 0;
      const s = await app.waitFor(started, 'window, tray and IPC after ready');
      expect(s.errorBoxes).toEqual([]);
      expect(s.isPackaged).toBe(true);
      // Packaged: the locked window without DevTools, its preload inside the archive; the production menu.
      expect(s.windows[0]!.options).toEqual(getMainWindowOptions({ preloadPath: join(asarPath, 'out', 'preload', 'index.cjs'), bounds: DEFAULT_WINDOW_STATE, devTools: false }));
      expect(s.applicationMenu).not.toBeNull();
      for (const role of ['toggleDevTools', 'reload', 'forceReload']) expect(s.applicationMenu).not.toContain(role);
      // The page and its assets from the archive, over app://.
      expectPageServed(s);
      // IPC: every channel, answered.
      expect([...s.handlers].sort()).toEqual([...INVOKE_CHANNELS].sort());
      const info = await app.command<{ ok: boolean; value: { mode: string; listeners: Record<string, string> } }>('invoke', { channel: 'app:info', args: [] });
      expect(info).toMatchObject({ ok: true, value: { mode: 'electron' } });
      await app.command('send', { channel: 'app:ready' });
      await app.waitFor((x) => (x.windows[0]!.sent['sessions:update'] ?? 0) >= 1, 'a sessions:update push after app:ready');
      const res = await fetch(`${info.value.listeners.api}/api`);
      expect(res.status).toBe(200);
      await app.command('tray-click', { label: 'Quit' });
      expect(await exitWithin(app, 15_000)).toBe(0);
      expect(app.report().calls).toEqual(expect.arrayContaining(['tray.destroy', 'exit:0']));
      // Every module came from the archive: the bundles, nothing from the repository's sources or node_modules.
      const loaded = readFileSync(loadedLog, 'utf8').trim().split('\n');
      expect(loaded).toContain(pathToFileURL(join(asarPath, 'out', 'main', 'index.js')).href);
      for (const url of loaded) expect(url.startsWith(pathToFileURL(asarPath).href + '/out/main/')).toBe(true);
    } finally {
      await app.kill();
    }
  }, 40_000);
});
