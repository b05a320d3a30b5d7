/** Secrets off the command line (issue 10): `-file` twins and environment variables, so nothing shows in `ps`. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseArgs } from '../../src/main/config.ts';

const files: Record<string, string> = {
  '/run/secrets/auth': 'admin:s3cret\n',
  '/run/secrets/memfs': 'pub:lish\r\nignored second line',
  '/run/secrets/jwt': 'jwt-part',
  '/run/secrets/rtmp': 'rtmp-tok\n',
  '/run/secrets/srt': 'srt-tok',
  '/run/secrets/empty': '\n',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
  return text;
};

describe('secrets from files and the environment', () => {
  it('--auth-file, --memfs-auth-file and --jwt-secret-file read the first line of their file', () => {
    const { config } = parseArgs(['--auth-file', '/run/secrets/auth', '--memfs-auth-file=/run/secrets/memfs', '--jwt-secret-file', '/run/secrets/jwt'], readFile, undefined, {});
    expect(config.auth).toEqual({ username: 'admin', password: 's3cret' });
    expect(config.memfsAuth).toEqual({ username: 'pub', password: 'lish' });
    expect(config.jwtSecret).toBe('jwt-part');
  });

  it('--rtmp-token-file and --srt-token-file, CORE_SESSIONS_RTMP_TOKEN and _SRT_TOKEN: the stream tokens too', () => {
    const fromFiles = parseArgs(['--rtmp-token-file', '/run/secrets/rtmp', '--srt-token-file=/run/secrets/srt'], readFile, undefined, {}).config;
    expect([fromFiles.rtmpToken, fromFiles.srtToken]).toEqual(['rtmp-tok', 'srt-tok']);
    const fromEnv = parseArgs([], readFile, undefined, { CORE_SESSIONS_RTMP_TOKEN: 'r', CORE_SESSIONS_SRT_TOKEN: 's' }).config;
    expect([fromEnv.rtmpToken, fromEnv.srtToken]).toEqual(['r', 's']);
  });

  it('the environment: CORE_SESSIONS_AUTH, _MEMFS_AUTH, _JWT_SECRET and _CORES; flags win over it', () => {
    const env = {
      CORE_SESSIONS_AUTH: 'env:pass',
      CORE_SESSIONS_MEMFS_AUTH: 'up:load',
      CORE_SESSIONS_JWT_SECRET: 'from-env',
      CORE_SESSIONS_CORES: ' http://a:b@10.0.0.1:8080  http://c:d@10.0.0.2:8080\n',
    };
    const fromEnv = parseArgs([], readFile, undefined, env).config;
    expect(fromEnv.auth).toEqual({ username: 'env', password: 'pass' });
    expect(fromEnv.memfsAuth).toEqual({ username: 'up', password: 'load' });
    expect(fromEnv.jwtSecret).toBe('from-env');
    expect(fromEnv.cores).toEqual(['http://a:b@10.0.0.1:8080', 'http://c:d@10.0.0.2:8080']);
    const flagged = parseArgs(['--auth-file', '/run/secrets/auth', '--core', 'http://10.0.0.3:8080'], readFile, undefined, env).config;
    expect(flagged.auth).toEqual({ username: 'admin', password: 's3cret' });
    expect(flagged.cores).toHaveLength(3);
  });

  it('a missing or empty file, or a malformed value, is one clear error that never echoes the secret', () => {
    expect(() => parseArgs(['--auth-file', '/nope'], readFile, undefined, {})).toThrow(new ConfigError("--auth-file /nope: ENOENT: no such file, open '/nope'"));
    expect(() => parseArgs(['--jwt-secret-file', '/run/secrets/empty'], readFile, undefined, {})).toThrow(/the file is empty/);
    const bad = (): unknown => parseArgs([], readFile, undefined, { CORE_SESSIONS_AUTH: 'no-colon-secret' });
    expect(bad).toThrow(/expected USER:PASS/);
    expect(bad).not.toThrow(/no-colon-secret/);
  });
});
