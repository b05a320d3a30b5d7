/**
 * The last check of a desktop build, for a maintainer on a real desktop (macOS, Windows or Linux with a display):
 * `npm run check:desktop` builds the unpacked app with the real Electron (`electron-builder --dir`: downloads
 * Electron, flips the fuses, writes app.asar), then starts it once with `--self-test --hidden` and a fresh user-data
 * folder (loopback listeners on ephemeral ports). It passes (exit 0) when the real window loaded the page from
 * app://core-sessions/ out of the asar and the page answered over IPC (src/main/shell/self-test.ts). What the tests
 * on the build machines cannot run: the Electron binary itself, the fuses and asar integrity in force, Chromium's CSP.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

const DIST = resolve(import.meta.dirname, '..', 'dist');

/** The fuses electron-builder.yml sets, as the wire's bytes ('0' off, '1' on). */
const EXPECTED_FUSES: ReadonlyArray<readonly [FuseV1Options, '0' | '1']> = [
  [FuseV1Options.RunAsNode, '0'],
  [FuseV1Options.EnableCookieEncryption, '1'],
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable, '0'],
  [FuseV1Options.EnableNodeCliInspectArguments, '0'],
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, '1'],
  [FuseV1Options.OnlyLoadAppFromAsar, '1'],
];

/** The unpacked app's executable in dist/ (linux-unpacked, win-unpacked, mac*\/Core Sessions.app). */
export function findUnpackedExecutable(dist: string): string | null {
  if (!existsSync(dist)) return null;
  for (const dir of readdirSync(dist)) {
    const base = join(dist, dir);
    for (const candidate of [join(base, 'core-sessions'), join(base, 'core-sessions.exe'), join(base, 'Core Sessions.exe'), join(base, 'Core Sessions.app', 'Contents', 'MacOS', 'Core Sessions')]) {
      if (existsSync(candidate) && !candidate.endsWith('.app')) return candidate;
    }
  }
  return null;
}

if (import.meta.main) {
  const exe = findUnpackedExecutable(DIST);
  if (!exe) {
    process.stderr.write(`check:desktop: no unpacked app in ${DIST} (run electron-builder --dir first)\n`);
    process.exit(1);
  }
  // The fuses in the real Electron binary (on macOS @electron/fuses finds them from the .app).
  const app = exe.includes('.app/Contents/MacOS/') ? exe.slice(0, exe.indexOf('.app/') + 4) : exe;
  const wire = await getCurrentFuseWire(app);
  const wrong = EXPECTED_FUSES.filter(([fuse, on]) => wire[fuse] !== on.charCodeAt(0)).map(([fuse]) => FuseV1Options[fuse]);
  if (wrong.length > 0) {
    process.stderr.write(`check:desktop: FAILED: fuses not as electron-builder.yml sets them: ${wrong.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write('check:desktop: fuses as configured\n');
  const userData = mkdtempSync(join(tmpdir(), 'core-sessions-check-'));
  writeFileSync(join(userData, 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', rtmp: '127.0.0.1:0', srt: '127.0.0.1:0' }));
  process.stdout.write(`check:desktop: starting ${exe} --self-test\n`);
  const child = spawn(exe, ['--self-test', '--hidden', `--user-data-dir=${userData}`], { stdio: 'inherit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.on('exit', (code, signal) => {
    clearTimeout(timer);
    rmSync(userData, { recursive: true, force: true });
    process.stdout.write(code === 0 ? 'check:desktop: passed\n' : `check:desktop: FAILED (${code ?? signal})\n`);
    process.exit(code === 0 ? 0 : 1);
  });
}
