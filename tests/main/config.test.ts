import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, isLoopbackHost, parseArgs, parseHostPort, validateConfig } from '../../src/main/config.ts';

const noFile = (p: string): string => {
  throw new Error(`ENOENT: no such file, open '${p}'`);
};

describe('config flags', () => {
  it('gives documented defaults with no flags', () => {
    const { config, help } = parseArgs([], noFile);
    expect(help).toBe(false);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(config.ignoreIps).toEqual([]);
    expect(config.sessionTimeoutSec).toBe(30);
    expect(config.rtmp).toEqual({ host: '127.0.0.1', port: 1935 });
    expect(config.auth).toBeNull();
  });

  it('parses every kind of flag, with = or a separate value', () => {
    const { config } = parseArgs(
      ['--listen=[::1]:0', '--auth', 'admin:da:tarhei', '--ignore-ips', '127.0.0.1/32, ::1/128', '--session-timeout', '5',
        '--persist-interval', '0', '--max-sessions', '3', '--max-bitrate', '1.5', '--rtmp', 'off', '--core', 'http://a:b@h:1',
        '--core', 'http://h2:2', '--no-persist', '--log-level', 'warn'],
      noFile,
    );
    expect(config.listen).toEqual({ host: '::1', port: 0 });
    expect(config.auth).toEqual({ username: 'admin', password: 'da:tarhei' });
    expect(config.ignoreIps).toEqual(['127.0.0.1/32', '::1/128']);
    expect(config.sessionTimeoutSec).toBe(5);
    expect(config.persistIntervalSec).toBe(0);
    expect(config.maxSessions).toBe(3);
    expect(config.maxBitrateMbit).toBe(1.5);
    expect(config.rtmp).toBeNull();
    expect(config.cores).toEqual(['http://a:b@h:1', 'http://h2:2']);
    expect(config.persist).toBe(false);
    expect(config.logLevel).toBe('warn');
  });

  it('an empty --ignore-ips means none', () => {
    expect(parseArgs(['--ignore-ips', ''], noFile).config.ignoreIps).toEqual([]);
  });

  it('reads --config JSON first and lets flags win', () => {
    const file = JSON.stringify({ listen: '127.0.0.2:9000', sessionTimeout: 10, ignoreIps: ['10.0.0.0/8'], persist: false });
    const { config } = parseArgs(['--session-timeout', '7', '--config', 'c.json'], () => file);
    expect(config.listen).toEqual({ host: '127.0.0.2', port: 9000 });
    expect(config.sessionTimeoutSec).toBe(7);
    expect(config.ignoreIps).toEqual(['10.0.0.0/8']);
    expect(config.persist).toBe(false);
  });

  it('rejects bad input with a clear ConfigError', () => {
    expect(() => parseArgs(['--bogus', '1'], noFile)).toThrow(/unknown flag --bogus/);
    expect(() => parseArgs(['--listen'], noFile)).toThrow(/needs a value/);
    expect(() => parseArgs(['--listen', 'nohost'], noFile)).toThrow(ConfigError);
    expect(() => parseArgs(['--listen', '1.2.3.4:70000'], noFile)).toThrow(/out of range/);
    expect(() => parseArgs(['--session-timeout', '0'], noFile)).toThrow(/>= 1/);
    expect(() => parseArgs(['--max-sessions', '1.5'], noFile)).toThrow(/whole number/);
    expect(() => parseArgs(['--config', 'missing.json'], noFile)).toThrow(/missing.json: ENOENT/);
    expect(() => parseArgs(['--config', 'x'], () => '{not json')).toThrow(/invalid JSON/);
    expect(() => parseArgs(['--config', 'x'], () => '{"nope":1}')).toThrow(/unknown setting "nope"/);
    expect(() => parseArgs(['positional'], noFile)).toThrow(/unexpected argument/);
  });

  it('reads the RTMP players\' write hold in ms from the flag and the JSON key, whole and not negative', () => {
    expect(parseArgs([], noFile).config.rtmpWriteHoldMs).toBe(100);
    expect(parseArgs(['--rtmp-write-hold-ms', '0'], noFile).config.rtmpWriteHoldMs).toBe(0);
    expect(parseArgs(['--rtmp-write-hold-ms=50'], noFile).config.rtmpWriteHoldMs).toBe(50);
    expect(parseArgs(['--config', 'c.json'], () => '{"rtmpWriteHoldMs": 20}').config.rtmpWriteHoldMs).toBe(20);
    expect(() => parseArgs(['--rtmp-write-hold-ms', '-1'], noFile)).toThrow(/from 0 to 1000/);
    // A hold of minutes would send a quiet stream's players 256 KiB bursts: held at most a second.
    expect(parseArgs(['--rtmp-write-hold-ms', '1000'], noFile).config.rtmpWriteHoldMs).toBe(1000);
    expect(() => parseArgs(['--rtmp-write-hold-ms', '1001'], noFile)).toThrow(/from 0 to 1000, got "1001"/);
    expect(() => parseArgs(['--config', 'c.json'], () => '{"rtmpWriteHoldMs": 60000}')).toThrow(/rtmpWriteHoldMs: expected a number from 0 to 1000/);
    expect(() => parseArgs(['--rtmp-write-hold-ms', '2.5'], noFile)).toThrow(/whole number/);
    expect(() => parseArgs(['--rtmp-write-hold-ms', 'soon'], noFile)).toThrow(ConfigError);
  });

  it('parses IPv6 listen addresses only in brackets', () => {
    expect(parseHostPort('[::1]:8080', 'x')).toEqual({ host: '::1', port: 8080 });
    expect(() => parseHostPort('::1:8080', 'x')).toThrow(ConfigError);
  });
});

describe('loopback guard', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'example.com']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('refuses a non-loopback listener without --auth, allows it with auth', () => {
    const open = defaultConfig();
    open.listen = { host: '0.0.0.0', port: 8787 };
    expect(() => validateConfig(open)).toThrow(/refusing to listen on 0.0.0.0:8787 without --auth/);
    open.auth = { username: 'a', password: 'b' };
    expect(() => validateConfig(open)).not.toThrow();
  });
});
