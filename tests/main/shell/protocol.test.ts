import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UI_CSP, UI_CSP_META } from '../../../src/main/ui/csp.ts';
import { APP_CSP, APP_PAGE_URL, mimeTypeFor, registerAppScheme, serveAppRequest, serveRenderer } from '../../../src/main/shell/protocol.ts';
import { appMenuTemplate, menuRoles } from '../../../src/main/shell/menu.ts';
import { autostartDesktopEntry, createAutostart, getOpenAtLogin, LOGIN_ITEM_ARGS, openedAtLogin, quoteExecArg, setOpenAtLogin } from '../../../src/main/shell/login-item.ts';

const root = mkdtempSync(join(tmpdir(), 'core-sessions-protocol-'));
const renderer = join(root, 'renderer');
mkdirSync(join(renderer, 'assets'), { recursive: true });
writeFileSync(join(renderer, 'index.html'), '<!doctype html><script type="module" src="./assets/index.js"></script>');
writeFileSync(join(renderer, 'assets', 'index.js'), 'console.log(1)');
writeFileSync(join(renderer, 'assets', 'index.css'), 'body{}');
writeFileSync(join(root, 'secret.txt'), 'outside the renderer');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const get = (url: string, method = 'GET'): Promise<Response> => serveAppRequest({ url, method }, renderer);

describe('app:// protocol (the page without file://)', () => {
  it('serves the page and its assets with their content types, the CSP header and nosniff', async () => {
    const page = await get(APP_PAGE_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // No other origin may read the app's files (the scheme is corsEnabled only for the page's own module scripts).
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(await page.text()).toContain('assets/index.js');
    const root = await get('app://core-sessions/');
    expect(root.status).toBe(200);
    const js = await get('app://core-sessions/assets/index.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('app://core-sessions/assets/index.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await get(APP_PAGE_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each([
    ['app://core-sessions/../secret.txt', [403, 404]],
    ['app://core-sessions/%2e%2e/secret.txt', [403, 404]],
    ['app://core-sessions/assets/%2e%2e%2f..%2fsecret.txt', [403]],
    ['app://core-sessions/..%5csecret.txt', [400]],
    ['app://core-sessions/%00', [400]],
    ['app://core-sessions/%E0%A4%A', [400]],
    ['app://core-sessions/missing.js', [404]],
    ['app://other-host/index.html', [404]],
    ['file:///etc/passwd', [404]],
  ])('refuses %s', async (url, statuses) => {
    const res = await get(url);
    expect(statuses).toContain(res.status);
    expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(await res.text()).not.toContain('outside the renderer');
  });

  it('answers only GET and HEAD', async () => {
    expect((await get(APP_PAGE_URL, 'POST')).status).toBe(405);
  });

  it('knows the types the renderer build contains; the rest is bytes', () => {
    expect(mimeTypeFor('a.SVG')).toBe('image/svg+xml');
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('noext')).toBe('application/octet-stream');
  });

  it('the CSP header is the policy of the page itself (index.html meta tag, less frame-ancestors, which a meta cannot carry)', () => {
    const html = readFileSync(join(import.meta.dirname, '..', '..', '..', 'src', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(UI_CSP_META);
    expect(APP_CSP).toBe(UI_CSP);
  });

  it('registers a standard, secure scheme and one handler', async () => {
    const registered: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (s) => void registered.push(...s) });
    expect(registered).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
    let handler: ((r: Request) => Promise<Response> | Response) | undefined;
    serveRenderer({ handle: (scheme: string, h: typeof handler) => void (scheme === 'app' && (handler = h)) } as never, renderer);
    expect((await handler!(new Request(APP_PAGE_URL))).status).toBe(200);
  });
});

describe('application menu', () => {
  it.each(['linux', 'win32', 'darwin'] as const)('production (%s): no DevTools, no reload; a Quit', (platform) => {
    let quits = 0;
    const template = appMenuTemplate({ appName: 'Core Sessions', platform, dev: false, onQuit: () => quits++ });
    const roles = menuRoles(template);
    expect(roles).not.toContain('toggleDevTools');
    expect(roles).not.toContain('reload');
    expect(roles).not.toContain('forceReload');
    expect(roles).toEqual(expect.arrayContaining(['copy', 'paste', 'minimize']));
    const quit = template.flatMap((t) => (Array.isArray(t.submenu) ? t.submenu : [])).find((i) => i.accelerator === 'CmdOrCtrl+Q');
    (quit?.click as () => void)();
    expect(quits).toBe(1);
  });
  it('development keeps DevTools and reload', () => {
    expect(menuRoles(appMenuTemplate({ appName: 'x', platform: 'linux', dev: true, onQuit: () => {} }))).toEqual(expect.arrayContaining(['toggleDevTools', 'reload']));
  });
});

describe('start at login', () => {
  it('sets the login item with --hidden and reads it back', () => {
    let stored: Record<string, unknown> = { openAtLogin: false };
    const app = {
      setLoginItemSettings: (s: Record<string, unknown>) => void (stored = { ...s }),
      getLoginItemSettings: () => ({ ...stored, wasOpenedAtLogin: true }) as never,
    };
    setOpenAtLogin(app as never, true);
    expect(stored).toEqual({ openAtLogin: true, args: [...LOGIN_ITEM_ARGS] });
    expect(LOGIN_ITEM_ARGS).toEqual(['--hidden']);
    expect(getOpenAtLogin(app as never)).toBe(true);
    setOpenAtLogin(app as never, false);
    expect(getOpenAtLogin(app as never)).toBe(false);
    expect(openedAtLogin(app as never, 'darwin')).toBe(true);
    expect(openedAtLogin(app as never, 'linux')).toBe(false);
  });

  it('macOS and Windows: Electron login items; Linux: the XDG autostart entry', async () => {
    const calls: unknown[] = [];
    let on = false;
    const app = {
      setLoginItemSettings: (x: { openAtLogin: boolean }) => void (calls.push(x), (on = x.openAtLogin)),
      getLoginItemSettings: () => ({ openAtLogin: on }) as never,
    };
    const win = createAutostart({ app: app as never, platform: 'win32', autostartDir: join(root, 'unused'), execPath: 'x' });
    expect(await win.set(true)).toBe(true);
    expect(calls).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    const dir = join(root, 'autostart');
    const linux = createAutostart({ app: app as never, platform: 'linux', autostartDir: dir, execPath: '/opt/Core Sessions/core-sessions' });
    expect(linux.get()).toBe(false);
    expect(await linux.set(true)).toBe(true);
    expect(readFileSync(join(dir, 'core-sessions.desktop'), 'utf8')).toBe(autostartDesktopEntry('/opt/Core Sessions/core-sessions'));
    expect(autostartDesktopEntry('/opt/Core Sessions/core-sessions')).toContain('Exec="/opt/Core Sessions/core-sessions" "--hidden"\n');
    expect(await linux.set(false)).toBe(false);
    expect(calls).toHaveLength(1);
    expect(quoteExecArg('a"b$c`d\\e')).toBe('"a\\"b\\$c\\`d\\\\e"');
  });
});
