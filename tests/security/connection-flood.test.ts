/**
 * Attack: one client holds idle sockets until no real publisher or player gets in (RTMP's global bound is 1000).
 * Against the real headless server: 1100 idle RTMP sockets from 127.0.0.2, then a real ffmpeg publisher from
 * 127.0.0.1 must still publish; the same bound holds on HTTP. Prints the server's RSS under the flood.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtmpPublisherArgs } from '../e2e/support.ts';
import { startHeadless, type Headless } from '../support/headless.ts';
import { rawRequest } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';

const ATTACKER = '127.0.0.2';
const SOCKETS = 1100;
const PER_IP = 50;
const children = new Children();
const held: net.Socket[] = [];
let h: Headless;

beforeAll(async () => {
  h = await startHeadless(['--no-persist', '--max-conns-per-ip', String(PER_IP)]);
  children.adopt(h.proc);
}, 30_000);
afterAll(async () => {
  for (const s of held) s.destroy();
  await children.killAll({ termGraceMs: 5000 });
});

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Opens `n` sockets from `localAddress`; resolves once each has connected or failed, with a live open count. */
async function flood(port: number, n: number, localAddress: string): Promise<{ open: () => number }> {
  let open = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((done) => {
          const s = net.connect({ port, host: '127.0.0.1', localAddress });
          held.push(s);
          s.on('connect', () => {
            open++;
            s.once('close', () => open--);
            done();
          });
          s.on('error', () => done());
        }),
    ),
  );
  return { open: () => open };
}

describe('per-client connection bound', () => {
  it('1100 idle RTMP sockets from one client leave room for a real ffmpeg publisher', async () => {
    const rtmpPort = Number(new URL(h.rtmpUrl!.replace('rtmp:', 'http:')).port);
    const rssBefore = rssMiB(h.proc.pid!);
    const attack = await flood(rtmpPort, SOCKETS, ATTACKER);
    children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
    const active = async (): Promise<Array<{ reference: string }>> =>
      ((await (await fetch(`${h.url}/api/v3/session/active?collectors=rtmp`)).json()) as { rtmp: Array<{ reference: string }> }).rtmp;
    await waitFor(async () => (await active()).some((s) => s.reference.includes('cam')), 'the ffmpeg publisher in the rtmp sessions', 9_000, 200);
    const rssUnder = rssMiB(h.proc.pid!);
    console.log(`RTMP flood: ${SOCKETS} sockets from one client, ${attack.open()} held open (bound ${PER_IP}); server RSS ${rssBefore} MiB before, ${rssUnder} MiB under the flood`);
    // A client sees 'connect' once the kernel has the connection, before the server accepts (and refuses) it, so
    // under load its view of what is open lags the server's; it must settle at the bound.
    await waitFor(() => attack.open() <= PER_IP, `the attacker's open sockets down to the bound (${PER_IP})`, 10_000, 100);
    expect(attack.open()).toBeGreaterThan(0);
    await waitFor(() => /rtmp connections refused: too many from one client/.test(h.stderr()), 'the refusal in the log', 5_000, 200);
    for (const s of held.splice(0)) s.destroy();
  }, 40_000);

  it('HTTP: a client over its bound is cut off, another client is served', async () => {
    const port = Number(new URL(h.url).port);
    const attack = await flood(port, PER_IP * 3, ATTACKER);
    const ok = await rawRequest(`${h.url}/api`);
    expect(ok.status).toBe(200);
    await waitFor(() => attack.open() <= PER_IP, 'the attacker held to its bound', 5_000, 200);
    await expect(rawRequest(`${h.url}/api`, { localAddress: ATTACKER, timeoutMs: 5_000 })).rejects.toThrow();
    for (const s of held.splice(0)) s.destroy();
  }, 30_000);
});
