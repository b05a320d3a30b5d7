import { expect } from 'vitest';
import { APP_CSP, APP_PAGE_URL } from '../../../../src/main/shell/protocol.ts';
import type { FakeState } from './harness.ts';

/** The page and its scripts and stylesheets came through the app protocol: 200, right content type, CSP header. */
export function expectPageServed(s: FakeState): void {
  const fetches = s.protocolFetches;
  expect(fetches[0]).toMatchObject({ url: APP_PAGE_URL, status: 200, contentType: 'text/html; charset=utf-8', csp: APP_CSP });
  const scripts = fetches.filter((f) => f.url.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  for (const f of fetches) expect(f, f.url).toMatchObject({ status: 200, csp: APP_CSP });
  for (const f of scripts) expect(f.contentType).toBe('text/javascript; charset=utf-8');
  for (const f of fetches.filter((x) => x.url.endsWith('.css'))) expect(f.contentType).toBe('text/css; charset=utf-8');
  for (const f of fetches) expect(f.bytes).toBeGreaterThan(0);
}
