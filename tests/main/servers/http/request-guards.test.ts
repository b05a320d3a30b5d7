import { describe, expect, it } from 'vitest';
import { hostName, isAllowedHost, isAllowedOrigin } from '../../../../src/main/servers/http/request-guards.ts';

describe('Host allow-list', () => {
  it('parses Host values', () => {
    expect(hostName('Example.COM:8787')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('host.')).toBe('host');
    expect(hostName('a b')).toBeNull();
    expect(hostName('[::1')).toBeNull();
    expect(hostName('x:port')).toBeNull();
  });
  it('allows IP literals, localhost names, the listen host and configured names only', () => {
    const ok = (h: string | undefined, allowed: string[] = []): boolean => isAllowedHost(h, '127.0.0.1', allowed);
    expect(ok('127.0.0.1:8787')).toBe(true);
    expect(ok('192.168.1.10:8787')).toBe(true);
    expect(ok('[::1]:8787')).toBe(true);
    expect(ok('localhost:8787')).toBe(true);
    expect(ok('dash.localhost')).toBe(true);
    expect(ok(undefined)).toBe(true);
    expect(ok('attacker.example:8787')).toBe(false);
    expect(ok('localhost.attacker.example')).toBe(false);
    expect(ok('127.0.0.1.nip.io')).toBe(false);
    expect(ok('stats.example.org', ['stats.example.org'])).toBe(true);
    expect(ok('a.example.org', ['.example.org'])).toBe(true);
    expect(ok('example.org', ['.example.org'])).toBe(true);
    expect(ok('badexample.org', ['.example.org'])).toBe(false);
    expect(ok('anything', ['*'])).toBe(true);
    expect(isAllowedHost('myhost:8787', 'myhost')).toBe(true);
  });
});

describe('Origin check', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers });
  it('lets reads, non-browser clients and the same origin through', () => {
    expect(isAllowedOrigin(req('GET', { origin: 'http://evil.example', host: '127.0.0.1:1' }))).toBe(true);
    expect(isAllowedOrigin(req('POST', { host: '127.0.0.1:1' }))).toBe(true);
    expect(isAllowedOrigin(req('POST', { origin: 'http://127.0.0.1:1', host: '127.0.0.1:1' }))).toBe(true);
    expect(isAllowedOrigin(req('PUT', { origin: 'http://LOCALHOST:1', host: 'localhost:1' }))).toBe(true);
  });
  it('refuses other origins, null and garbage on state-changing methods', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:2', 'null', 'not a url', 'file://x']) {
      expect(isAllowedOrigin(req('POST', { origin, host: '127.0.0.1:1' })), origin).toBe(false);
    }
    expect(isAllowedOrigin(req('DELETE', { origin: 'http://evil.example', host: '127.0.0.1:1' }))).toBe(false);
  });
});
