import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./electron-fake.ts'));

const { getMainWindowOptions, isAllowedExternalUrl, isTrustedPageUrl, lockWindow } = await import('../../../src/main/shell/window.ts');
const fake = await import('./electron-fake.ts');

describe('main window options', () => {
  it('are locked down', () => {
    const o = getMainWindowOptions({ preloadPath: '/app/out/preload/index.cjs', bounds: { width: 1000, height: 700, x: 10, y: 20 } });
    expect(o.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(o).toMatchObject({ width: 1000, height: 700, x: 10, y: 20, show: false });
    // No DevTools unless asked for (development only).
    expect(o.webPreferences?.devTools).toBe(false);
    expect(getMainWindowOptions({ preloadPath: '/p.cjs', bounds: { width: 800, height: 600 }, devTools: true }).webPreferences?.devTools).toBe(true);
  });
  it('centre when no position is remembered', () => {
    const o = getMainWindowOptions({ preloadPath: '/p.cjs', bounds: { width: 800, height: 600 } });
    expect(o.center).toBe(true);
    expect(o.x).toBeUndefined();
  });
});

describe('url guards', () => {
  it.each([
    ['https://datarhei.com/docs', true],
    ['http://datarhei.com', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['ms-settings:privacy', false],
    ['https://user:pw@example.com', false],
    ['not a url', false],
  ])('openExternal %s → %s', (url, ok) => expect(isAllowedExternalUrl(url)).toBe(ok));

  const origin = { pageUrl: 'app://core-sessions/index.html' };
  it('trusts only our page', () => {
    expect(isTrustedPageUrl('app://core-sessions/index.html', origin)).toBe(true);
    expect(isTrustedPageUrl('app://core-sessions/index.html#/alerts?x=1', origin)).toBe(true);
    expect(isTrustedPageUrl('app://core-sessions/', origin)).toBe(true);
    expect(isTrustedPageUrl('app://core-sessions/assets/other.html', origin)).toBe(false);
    expect(isTrustedPageUrl('app://evil/index.html', origin)).toBe(false);
    // file:// is never our page any more, not even the built renderer file.
    expect(isTrustedPageUrl('file:///app/out/renderer/index.html', origin)).toBe(false);
    expect(isTrustedPageUrl('file:///tmp/evil.html', origin)).toBe(false);
    expect(isTrustedPageUrl('https://evil.example/', origin)).toBe(false);
    expect(isTrustedPageUrl('http://localhost:5173/', origin)).toBe(false);
    expect(isTrustedPageUrl('http://localhost:5173/index.html', { ...origin, devServerUrl: 'http://localhost:5173' })).toBe(true);
    expect(isTrustedPageUrl('http://localhost:5174/', { ...origin, devServerUrl: 'http://localhost:5173' })).toBe(false);
  });
});

describe('lockWindow', () => {
  it('denies new windows, blocks navigation, opens https externally, refuses permissions', async () => {
    const win = new fake.BrowserWindow();
    const opened: string[] = [];
    lockWindow(win as never, { openExternal: async (u) => void opened.push(u) });
    const wc = win.webContents;
    expect(wc.windowOpenHandler?.({ url: 'https://example.com/a' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    const nav = fake.preventable({ url: 'https://example.com/b' });
    wc.emit('will-navigate', nav);
    expect(nav.defaultPrevented).toBe(true);
    const evilNav = fake.preventable({ url: 'file:///tmp/x.html' });
    wc.emit('will-navigate', evilNav);
    expect(evilNav.defaultPrevented).toBe(true);
    const sub = fake.preventable({ url: 'https://x', isMainFrame: false });
    wc.emit('will-frame-navigate', sub);
    expect(sub.defaultPrevented).toBe(true);
    const webview = fake.preventable({});
    wc.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
    const redirect = fake.preventable({ url: 'https://x' });
    wc.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    await Promise.resolve();
    expect(opened).toEqual(['https://example.com/a', 'https://example.com/b']);
    let granted: boolean | undefined;
    wc.session.permissionRequestHandler?.(wc, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(wc.session.permissionCheckHandler?.()).toBe(false);
  });
});
