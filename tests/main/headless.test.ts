import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHeadless, startHeadless, type Headless } from '../support/headless.ts';

const running: Headless[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop('SIGKILL')));
});

async function start(args: string[] = []): Promise<Headless> {
  const h = await startHeadless(args);
  running.push(h);
  return h;
}

describe('headless mode', () => {
  it('prints its flags with --help and exits 0', async () => {
    const r = await runHeadless(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--listen', '--data-dir', '--auth', '--ignore-ips', '--session-timeout', '--persist-interval', '--max-sessions', '--max-bitrate', '--config']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('refuses a non-loopback listener without --auth, with one clear line', async () => {
    const r = await runHeadless(['--listen', '0.0.0.0:0', '--rtmp', 'off', '--srt', 'off']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'core-sessions: refusing to listen on 0.0.0.0:0 without --auth: the API would be open to the network. Use --auth USER:PASS, or listen on 127.0.0.1.',
    );
  });

  it('reports a taken port clearly, without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runHeadless(['--listen', `127.0.0.1:${port}`, '--rtmp', 'off', '--srt', 'off', '--data-dir', join(process.cwd(), 'test-output', 'taken')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`already in use: 127\\.0\\.0\\.1:${port}`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('rejects an invalid --ignore-ips entry at start', async () => {
    const r = await runHeadless(['--listen', '127.0.0.1:0', '--rtmp', 'off', '--srt', 'off', '--ignore-ips', '10.0.0.0/33', '--data-dir', join(process.cwd(), 'test-output', 'badcidr')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--ignore-ips: .*10\.0\.0\.0\/33/);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} closes open sessions into the history, persists, and exits 0`, async () => {
      const h = await start(['--persist-interval', '0']);
      // Two requests make the aggregate `HTTP` session active with known traffic.
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${h.url}/api/v3/session/active?collectors=http`);
        expect(res.status).toBe(200);
        await res.text();
      }
      const active = (await (await fetch(`${h.url}/api/v3/session/active?collectors=http`)).json()) as { http: Array<{ id: string; bytes_rx: number }> };
      expect(active.http.map((s) => s.id)).toEqual(['HTTP']);
      expect(active.http[0].bytes_rx).toBeGreaterThan(0);

      expect(await h.stop(signal)).toBe(0);
      const file = JSON.parse(readFileSync(join(h.dataDir, 'sessions', 'http.json'), 'utf8')) as {
        sessions: Record<string, { location: string; peer: string; total_sessions: number; total_rxbytes: number; total_txbytes: number }>;
      };
      const entry = file.sessions['any:any:'];
      expect(entry.location).toBe('any');
      expect(entry.total_sessions).toBe(1);
      expect(entry.total_rxbytes).toBeGreaterThan(active.http[0].bytes_rx);
      expect(entry.total_txbytes).toBeGreaterThan(0);
    });
  }

  it('reloads the persisted history on the next start', async () => {
    const first = await start(['--persist-interval', '0']);
    await (await fetch(`${first.url}/api/v3/session?collectors=http`)).text();
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await startHeadless(['--persist-interval', '0'], { dataDir: first.dataDir });
    running.push(second);
    const summary = (await (await fetch(`${second.url}/api/v3/session?collectors=http`)).json()) as { http: { summary: { sessions: number } } };
    expect(summary.http.summary.sessions).toBe(1);
  });
});
