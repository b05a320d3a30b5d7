/**
 * A blank page in real Chromium that can import the renderer's own modules: a loopback server serves `src/` with
 * Node's type stripping applied (the sources are erasable TypeScript with `.ts` imports, so the browser loads them as
 * they are, no bundler), for tests of code that writes the DOM (table bodies). A page's `import('/src/…/x.ts')`
 * gets the module, a `<link href="/src/…/styles.css">` the stylesheet.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, ROOT, type TestBrowser } from '../e2e/support.ts';

/** Chromium on a blank page of a loopback server for `src/`; `close` ends both. */
export async function openDomPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
      return;
    }
    const css = path.endsWith('.css');
    if (!path.startsWith('/src/') || !(path.endsWith('.ts') || css)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(ROOT, path), 'utf8').then(
      (code) =>
        css
          ? res.writeHead(200, { 'Content-Type': 'text/css' }).end(code)
          : res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(stripTypeScriptTypes(code, { mode: 'strip' })),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let browser: TestBrowser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const b = browser;
    return {
      page,
      errors,
      close: async () => {
        await b.close();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}
