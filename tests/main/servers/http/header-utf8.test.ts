/**
 * User-Agent and Referer keep their UTF-8 in the sessions (Core keeps the bytes; Node hands header values over as
 * latin1), against the real headless server: an HLS upload's User-Agent (hlsingress `extra`) and a player's
 * User-Agent and Referer host (hls `extra` and `remote`).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerUtf8 } from '../../../../src/main/http/net-util.ts';
import type { IncomingMessage } from 'node:http';
import { startHeadless, type Headless } from '../../../support/headless.ts';
import { waitFor } from '../../../support/wait.ts';

const UA = 'Größe/1.0 (Ünïcödé; 日本語) 🎥';
let h: Headless;

beforeAll(async () => {
  h = await startHeadless(['--no-persist']);
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

/** Sends a request with raw UTF-8 header bytes (Node's client refuses them) and returns the status line. */
function rawUtf8(head: string, body = ''): Promise<string> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        resolve(got.slice(0, got.indexOf('\r\n')));
        s.destroy();
      }
    });
    s.on('error', reject);
    s.write(Buffer.from(head.replace('HOST', u.host) + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` + body, 'utf8'));
  });
}

describe('UTF-8 header values', () => {
  it('headerUtf8 decodes valid UTF-8 and keeps anything else', () => {
    const req = (v: string): IncomingMessage => ({ headers: { 'user-agent': v } }) as unknown as IncomingMessage;
    expect(headerUtf8(req(Buffer.from(UA, 'utf8').toString('latin1')), 'user-agent')).toBe(UA);
    expect(headerUtf8(req('plain/1.0'), 'user-agent')).toBe('plain/1.0');
    expect(headerUtf8(req('caf\xe9'), 'user-agent')).toBe('caf\xe9'); // latin1 bytes that are not UTF-8 stay
    expect(headerUtf8(req(''), 'user-agent')).toBe('');
  });

  it('an upload keeps its User-Agent, a player its User-Agent and Referer host', async () => {
    const playlist = '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\ns0.ts\n';
    expect(await rawUtf8(`PUT /memfs/utf.m3u8 HTTP/1.1\r\nHost: HOST\r\nUser-Agent: ${UA}\r\n`, playlist)).toBe('HTTP/1.1 201 Created');
    const ingress = await waitFor(async () => {
      const a = (await (await fetch(`${h.url}/api/v3/session/active?collectors=hlsingress`)).json()) as { hlsingress: Array<{ extra: string }> };
      return a.hlsingress[0];
    }, 'the hlsingress session', 5_000, 200);
    expect(ingress.extra).toBe(UA);

    const session = 'a'.repeat(22);
    const status = await rawUtf8(`GET /memfs/utf.m3u8?session=${session} HTTP/1.1\r\nHost: HOST\r\nUser-Agent: ${UA}\r\nReferer: http://bücher.example/player\r\n`);
    expect(status).toMatch(/^HTTP\/1.1 200/);
    // A segment read activates the player's session (spec §1.5).
    expect(await rawUtf8('PUT /memfs/s0.ts HTTP/1.1\r\nHost: HOST\r\n', 'G'.repeat(188))).toBe('HTTP/1.1 201 Created');
    expect(await rawUtf8(`GET /memfs/s0.ts?session=${session} HTTP/1.1\r\nHost: HOST\r\n`)).toMatch(/^HTTP\/1.1 200/);
    const hls = await waitFor(async () => {
      const a = (await (await fetch(`${h.url}/api/v3/session/active?collectors=hls`)).json()) as { hls: Array<{ extra: string; remote: string }> };
      return a.hls[0];
    }, 'the hls session', 5_000, 200);
    expect(hls.remote).toBe('bücher.example');
    expect(hls.extra.endsWith(UA)).toBe(true);
  });
});
