/**
 * A player on another site: a page served from a second loopback origin (another port) plays the local core's HLS
 * with hls.js (the npm package, served by the test's own server; no CDN) in Chromium. It needs Core's CORS on
 * /memfs; the viewer then shows up as an hls session whose `remote` is the page's host (its Referer).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlsPublisherArgs, launchChromium, ROOT, SCREENSHOTS, type TestBrowser } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

const children = new Children();
let h: Headless;
let site: Server;
let siteOrigin = '';
let browser: TestBrowser;

function page(playlist: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>other site</title><script src="/hls.js"></script></head>
<body><video id="v" muted autoplay playsinline width="320" height="180"></video>
<script>
  window.state = { errors: [], fragments: 0 };
  const hls = new Hls();
  hls.on(Hls.Events.FRAG_LOADED, () => window.state.fragments++);
  hls.on(Hls.Events.ERROR, (_, d) => window.state.errors.push(d.type + ':' + d.details + (d.fatal ? ':fatal' : '')));
  hls.loadSource(${JSON.stringify(playlist)});
  hls.attachMedia(document.getElementById('v'));
</script></body></html>`;
}

beforeAll(async () => {
  h = await startHeadless(['--no-persist'], { children });
  children.spawn('timeout', hlsPublisherArgs(h.url, 'cross'));
  await waitFor(async () => (await fetch(`${h.url}/memfs/cross.m3u8`)).status === 200, 'the published playlist', 30_000, 200);
  const hlsJs = readFileSync(join(ROOT, 'node_modules/hls.js/dist/hls.min.js'));
  site = createServer((req, res) => {
    if (req.url === '/hls.js') {
      res.setHeader('Content-Type', 'text/javascript');
      res.end(hlsJs);
    } else {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page(`${h.url}/memfs/cross.m3u8`));
    }
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  const port = (site.address() as { port: number }).port;
  siteOrigin = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (site ? site.close(() => r()) : r()));
  await children.killAll({ termGraceMs: 5000 });
});

describe('hls.js on another origin plays the local core\'s HLS', () => {
  it('plays (fragments loaded, the video advances) and the viewer is an hls session with that Referer', async () => {
    expect(new URL(siteOrigin).origin).not.toBe(new URL(h.url).origin);
    const tab = await browser.context.newPage();
    await tab.goto(`${siteOrigin}/`);
    const played = await waitFor(
      async () => {
        const s = (await tab.evaluate(`({ ...window.state, t: document.getElementById('v').currentTime })`)) as { errors: string[]; fragments: number; t: number };
        if (s.errors.some((e) => e.endsWith(':fatal'))) throw new Error(`hls.js failed: ${s.errors.join(', ')}`);
        return s.fragments >= 2 && s.t > 0.5 ? s : undefined;
      },
      'hls.js to play',
      40_000,
      250,
    );
    await tab.screenshot({ path: join(SCREENSHOTS, 'hls-cross-origin.png') });
    console.log(`hls.js from ${siteOrigin}: ${played.fragments} fragments, currentTime ${played.t.toFixed(1)} s`);
    const host = new URL(siteOrigin).host;
    const session = await waitFor(
      async () => {
        const active = (await (await fetch(`${h.url}/api/v3/session/active?collectors=hls`)).json()) as { hls: Array<{ remote: string; extra: string; bytes_tx: number; reference: string }> };
        return active.hls.find((x) => x.remote === host && x.bytes_tx > 0);
      },
      'the hls session of the page',
      20_000,
      200,
    );
    expect(session.reference).toBe('cross');
    expect(session.extra).toMatch(/^\[127\.0\.0\.0\] Mozilla\/5\.0/);
  }, 90_000);
});
