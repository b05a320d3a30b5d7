import { readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { Protocol } from 'electron';

/**
 * The page's own origin, `app://core-sessions/`, instead of `file://` (Electron security checklist 18): a `file:`
 * page shares its origin with every local file, and a `file:` renderer may read any of them through a bug. The
 * scheme is registered as standard and secure (a real origin, so the page's CSP `'self'` and the IPC sender check
 * name exactly this origin), and served only from the built renderer folder (inside app.asar when packaged).
 */
export const APP_SCHEME = 'app';
/** The one host of the scheme: every other host is answered 404. */
export const APP_HOST = 'core-sessions';
/** The page the window loads. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The page's Content-Security-Policy, sent as a header on every response (index.html's meta tag has the same policy
 * less what a meta tag cannot carry, frame-ancestors; the header also covers responses that are not HTML).
 */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Content types of what the renderer build contains; anything else is served as bytes (and nosniff keeps it so). */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The content type for a file name (by extension). */
export function mimeTypeFor(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Must run before `app` is ready: Electron fixes scheme privileges at start-up. `corsEnabled` lets Chromium make
 * CORS-mode requests to the scheme, which Vite's `<script type="module" crossorigin>` does even for its own origin;
 * no other origin gains anything, as no response carries Access-Control-Allow-Origin.
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff' },
  });
}

/**
 * Answers one `app://` request from `rootDir` (the built renderer): GET/HEAD only, the host must be ours, the path is
 * decoded once and must stay inside `rootDir` (no `..`, no encoded separators), `/` is index.html. Every response
 * carries the CSP and nosniff; files are never cached across builds (no-cache: an upgrade must not mix bundles).
 */
export async function serveAppRequest(request: Pick<Request, 'url' | 'method'>, rootDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return plain(400, 'bad url');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'not found');
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return plain(400, 'bad path');
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return plain(400, 'bad path');
  const file = join(rootDir, pathname === '/' ? 'index.html' : pathname);
  const inside = relative(rootDir, file);
  if (inside === '' || inside.startsWith('..') || inside.split(sep).includes('..')) return plain(403, 'forbidden');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return plain(404, 'not found');
  }
  const headers = {
    'Content-Type': mimeTypeFor(file),
    'Content-Length': String(body.length),
    'Content-Security-Policy': APP_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

/** After `ready`: serves the renderer folder on the app scheme (session.defaultSession's protocol). */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, rootDir));
}
