import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** A hash of everything the renderer build reads (its sources, the shared contract, the dependency lock). */
function rendererSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(join(ROOT, 'src/renderer'));
  walk(join(ROOT, 'src/shared'));
  for (const f of ['package-lock.json', 'tests/e2e/support.ts']) if (existsSync(join(ROOT, f))) hash.update(readFileSync(join(ROOT, f)));
  return hash.digest('hex');
}

/** A cross-process lock (an atomic mkdir); a lock older than `staleMs` is taken over (a killed run). */
async function withLock<T>(lockDir: string, fn: () => Promise<T>, staleMs = 180_000): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Builds the renderer into out/renderer with vite directly (the renderer part of electron.vite.config.ts), so the
 * e2e run does not depend on the main/preload bundles building. Several e2e files run in parallel: the build holds a
 * lock and is skipped when out/renderer was built from the same sources (a stamp with their hash), so one file never
 * empties the directory another file's server is serving.
 */
export async function buildRenderer(outDir = join(ROOT, 'out', 'renderer')): Promise<void> {
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  await withLock(join(ROOT, 'out', '.renderer-build.lock'), async () => {
    const hash = rendererSourceHash();
    const stamp = join(outDir, '.build-stamp');
    if (existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
    const { build } = await import('vite');
    const react = (await import('@vitejs/plugin-react')).default;
    await build({
      configFile: false,
      root: join(ROOT, 'src/renderer'),
      base: './',
      logLevel: 'warn',
      plugins: [react()],
      build: { outDir, emptyOutDir: true, rollupOptions: { input: { index: join(ROOT, 'src/renderer/index.html') } } },
    });
    writeFileSync(stamp, hash);
  });
}

/** Child processes of a test, all killed (by pid) at the end. */
export class Children {
  readonly list: ChildProcess[] = [];
  spawn(cmd: string, args: string[], opts: { stdout?: boolean } = {}): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'], cwd: ROOT });
    child.stderr?.setEncoding('utf8');
    let err = '';
    child.stderr?.on('data', (d: string) => {
      err = (err + d).slice(-4000);
    });
    (child as ChildProcess & { stderrTail: () => string }).stderrTail = () => err;
    this.list.push(child);
    return child;
  }
  async killAll(): Promise<void> {
    await Promise.all(
      this.list.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            const t = setTimeout(() => {
              c.kill('SIGKILL');
              done();
            }, 5000);
            c.once('exit', () => {
              clearTimeout(t);
              done();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
  }
}

export interface Headless {
  base: string;
  rtmp: string | null;
  child: ChildProcess;
  dataDir: string;
}

/**
 * `npm run serve` on an ephemeral port; resolves with the printed addresses. `files` are written into the fresh data
 * directory first (e.g. `alerts.json`).
 */
export async function startHeadless(children: Children, args: string[], files: Record<string, string> = {}): Promise<Headless> {
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-data-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dataDir, name), text);
  const child = children.spawn(join(ROOT, 'node_modules/.bin/node'), ['src/main/headless.ts', '--listen', '127.0.0.1:0', '--rtmp', '127.0.0.1:0', '--data-dir', dataDir, '--no-persist', ...args], { stdout: true });
  return await new Promise<Headless>((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`headless did not start: ${out}`)), 20_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const base = /^listening (\S+)$/m.exec(out)?.[1];
      if (base && /^dashboard /m.test(out)) {
        clearTimeout(timer);
        resolveStart({ base, rtmp: /^rtmp (\S+)$/m.exec(out)?.[1] ?? null, child, dataDir });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`headless exited ${code}: ${(child as ChildProcess & { stderrTail: () => string }).stderrTail()}`));
    });
  });
}

/** Chromium with a fresh profile directory. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed`);
  const profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** ffmpeg: HLS into /memfs by HTTP PUT (the hlsingress collector). */
export function hlsPublisherArgs(base: string, name: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-method', 'PUT', '-hls_time', '1', '-hls_list_size', '5', `${base}/memfs/${name}.m3u8`,
  ];
}

/** ffmpeg as an HLS player (the hls collector), with its own Referer and User-Agent. */
export function hlsPlayerArgs(base: string, name: string, viewer: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-headers', `Referer: http://${viewer}.example/\r\nUser-Agent: ${viewer}/1.0\r\n`,
    '-re', '-i', `${base}/memfs/${name}.m3u8`, '-c', 'copy', '-f', 'null', '-',
  ];
}

/** ffmpeg publishing RTMP (the rtmp collector). */
export function rtmpPublisherArgs(url: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', url,
  ];
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
