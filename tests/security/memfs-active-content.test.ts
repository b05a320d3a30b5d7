/**
 * Attack: a publisher uploads an HTML (or SVG) page to /memfs; a user who opens its link runs it on the dashboard's
 * origin, where it could read the dashboard's storage, drive a same-origin /ui/ frame and call the API with the
 * user's token. Run in Chromium against the real headless server: the page must run on an opaque origin with no
 * script, and HLS files must still load from the dashboard's page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { buildRenderer, launchChromium } from '../e2e/support.ts';
import { rawRequest } from './support.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

const SECRET = 'dashboard-secret-' + Math.random().toString(36).slice(2);

/** Writes what it could reach into the title, synchronously, so the test reads it after `load`. */
const EVIL_HTML = `<!doctype html><html><head><title>idle</title></head><body><script>
  const found = [];
  try { found.push('storage:' + localStorage.getItem('secret')); } catch (e) { found.push('storage-blocked'); }
  try { const f = document.createElement('iframe'); f.src = '/ui/'; document.body.appendChild(f); found.push('frame:' + typeof f.contentWindow.document); } catch (e) { found.push('frame-blocked'); }
  document.title = found.join(' ');
</script></body></html>`;

const EVIL_SVG = `<svg xmlns="http://www.w3.org/2000/svg"><script>document.documentElement.setAttribute('data-ran', String(localStorage.getItem('secret')))</script></svg>`;

const children = new Children();
let h: Headless;
let context: BrowserContext;
let closeBrowser: () => Promise<void>;
let token = '';

beforeAll(async () => {
  await buildRenderer();
  h = await startHeadless(['--no-persist', '--auth', 'admin:correct-horse'], { children });
  ({ context, close: closeBrowser } = await launchChromium());
  const login = await rawRequest(`${h.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'correct-horse' }) });
  token = (JSON.parse(login.body) as { access_token: string }).access_token;
  for (const [name, body, type] of [
    ['evil.html', EVIL_HTML, 'text/html'],
    ['evil.svg', EVIL_SVG, 'image/svg+xml'],
    ['live/index.m3u8', '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg0.ts\n', 'application/vnd.apple.mpegurl'],
    ['live/seg0.ts', 'G'.repeat(188 * 4), 'video/MP2T'],
  ] as const) {
    const r = await rawRequest(`${h.url}/memfs/${name}`, { method: 'PUT', headers: { 'Content-Type': type }, body });
    expect(r.status, name).toBe(201);
  }
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await children.killAll({ termGraceMs: 5000 });
});

describe('an uploaded page on the dashboard origin', () => {
  it('is served with CSP sandbox and nosniff, on every file response', async () => {
    for (const path of ['/memfs/evil.html', '/memfs/evil.svg', '/memfs/live/index.m3u8', '/memfs/live/seg0.ts', '/memfs/missing.html']) {
      const r = await rawRequest(`${h.url}${path}`);
      expect(r.headers['content-security-policy'], path).toBe('sandbox');
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('runs no script, on an opaque origin: no dashboard storage, no same-origin frame, no API call with the token', async () => {
    const page = await context.newPage();
    // The dashboard's storage holds something the attacker wants.
    await page.goto(`${h.url}/ui/`);
    await page.evaluate((s) => localStorage.setItem('secret', s), SECRET);

    const response = await page.goto(`${h.url}/memfs/evil.html`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // The inline script would have rewritten the title synchronously, before `load`.
    expect(await page.title()).toBe('idle');

    // Even code injected into that document (DevTools, as a script would) is on an opaque origin.
    const reach = await page.evaluate(async (t) => {
      const out: Record<string, string> = { origin: window.origin };
      try {
        out.storage = String(localStorage.getItem('secret'));
      } catch (e) {
        out.storage = 'blocked: ' + (e as Error).name;
      }
      try {
        const r = await fetch('/api/v3/session/active', { headers: { Authorization: `Bearer ${t}` } });
        out.api = 'status ' + r.status + ' ' + (await r.text()).slice(0, 40);
      } catch (e) {
        out.api = 'blocked: ' + (e as Error).name;
      }
      return out;
    }, token);
    expect(reach.origin).toBe('null');
    expect(reach.storage).toMatch(/^blocked/);
    expect(reach.api).toMatch(/^blocked/);
    await page.close();
  });

  it('an uploaded SVG runs no script either', async () => {
    const page = await context.newPage();
    await page.goto(`${h.url}/ui/`);
    await page.evaluate((s) => localStorage.setItem('secret', s), SECRET);
    await page.goto(`${h.url}/memfs/evil.svg`, { waitUntil: 'load' });
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-ran'))).toBeNull();
    expect(await page.evaluate(() => window.origin)).toBe('null');
    await page.close();
  });
});

describe('HLS from the dashboard page still loads', () => {
  it('a playlist and its segment fetched by the page (as hls.js does) arrive whole', async () => {
    const page = await context.newPage();
    await page.goto(`${h.url}/ui/`);
    // Like a player: follow playlists (Core's session handshake rewrites the first one) down to a segment.
    const got = await page.evaluate(async () => {
      let url = new URL('/memfs/live/index.m3u8', location.href).href;
      const playlists: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await fetch(url);
        if (!(r.headers.get('content-type') ?? '').toLowerCase().includes('mpegurl')) {
          return { playlists, seg: r.status, bytes: (await r.arrayBuffer()).byteLength, type: r.headers.get('content-type') };
        }
        playlists.push(r.status);
        const lines = (await r.text()).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
        url = new URL(lines[lines.length - 1]!, url).href;
      }
      return { playlists, seg: 0, bytes: 0, type: null };
    });
    expect(got.playlists.length).toBeGreaterThan(0);
    expect(got.playlists.every((s) => s === 200)).toBe(true);
    expect(got).toMatchObject({ seg: 200, bytes: 188 * 4, type: 'video/MP2T' });
    await page.close();
  });
});
