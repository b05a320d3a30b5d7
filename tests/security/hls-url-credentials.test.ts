/**
 * HLS publishing with the password in the URL (`ffmpeg -method PUT http://user:pass@host/memfs/x.m3u8`) against the
 * real headless server with `--memfs-auth`: ffmpeg sends `Expect: 100-continue` without credentials first and only
 * retries with them after a 401 challenge, so auth must be checked before `100 Continue`. Refused uploads are logged
 * at WARN with the path and the reason.
 */
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlsPublisherArgs } from '../e2e/support.ts';
import { startHeadless, type Headless } from '../support/headless.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';

const run = promisify(execFile);
const children = new Children();
let h: Headless;

beforeAll(async () => {
  h = await startHeadless(['--no-persist', '--memfs-auth', 'pub:s3cret']);
  children.adopt(h.proc);
}, 30_000);
afterAll(async () => {
  await children.killAll({ termGraceMs: 5000 });
});

/** The first status line the server sends for a PUT that waits for `100 Continue`. */
function firstStatusLine(authorization?: string): Promise<string> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      const end = got.indexOf('\r\n');
      if (end >= 0) {
        resolve(got.slice(0, end));
        s.destroy();
      }
    });
    s.on('error', reject);
    s.write(
      `PUT /memfs/probe.m3u8 HTTP/1.1\r\nHost: ${u.host}\r\nContent-Length: 8\r\nExpect: 100-continue\r\n` +
        (authorization ? `Authorization: ${authorization}\r\n` : '') +
        '\r\n',
    );
  });
}

describe('Expect: 100-continue with --memfs-auth', () => {
  it('without credentials: 401 first, never 100 Continue', async () => {
    expect(await firstStatusLine()).toBe('HTTP/1.1 401 Unauthorized');
  });
  it('with the right credentials: 100 Continue', async () => {
    expect(await firstStatusLine('Basic ' + Buffer.from('pub:s3cret').toString('base64'))).toBe('HTTP/1.1 100 Continue');
  });
});

describe('ffmpeg publishing with user:pass in the URL', () => {
  it('produces an hlsingress session, and a player can read the stream', async () => {
    const base = h.url.replace('http://', 'http://pub:s3cret@');
    children.spawn('timeout', hlsPublisherArgs(base, 'cam'));
    const active = async (): Promise<Array<{ reference: string; bytes_rx: number }>> =>
      ((await (await fetch(`${h.url}/api/v3/session/active?collectors=hlsingress`)).json()) as { hlsingress: Array<{ reference: string; bytes_rx: number }> }).hlsingress;
    const session = await waitFor(async () => (await active()).find((s) => s.reference.includes('cam') && s.bytes_rx > 0), 'an hlsingress session for cam', 20_000, 200);
    expect(session.bytes_rx).toBeGreaterThan(0);
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', `${h.url}/memfs/cam.m3u8`], { timeout: 20_000 });
    expect([...new Set(probe.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].sort()).toEqual(['audio', 'video']);
  }, 60_000);

  it('a wrong password stores nothing and is logged at WARN with the path and the reason', async () => {
    const base = h.url.replace('http://', 'http://pub:wrong@');
    const ff = children.spawn('timeout', ['20', ...hlsPublisherArgs(base, 'intruder').slice(1)]);
    await waitFor(() => /WARN.*memfs upload refused: invalid credentials.*\/memfs\/intruder/i.test(h.stderr()), 'the refusal in the log', 20_000, 200);
    ff.kill('SIGTERM');
    expect((await fetch(`${h.url}/memfs/intruder.m3u8`)).status).toBe(404);
  }, 40_000);
});
