import { describe, expect, it } from 'vitest';
import { ConfigError, parseArgs, validateConfig } from '../../../src/main/config.ts';

const noFile = (path: string): string => {
  if (path === '/run/prom-auth') return 'Bearer s3cret\n';
  if (path === '/etc/cs.json') return JSON.stringify({ shard: '1/3', metricsMaxStreamsPerCore: 7, historyBackend: 'prometheus', prometheusUrl: 'http://prom:9090' });
  throw new Error('ENOENT');
};

describe('Prometheus flags', () => {
  it('parses the cap, the shard, the backend, its URL, auth and deadline', () => {
    const { config } = parseArgs(
      ['--metrics-max-streams-per-core', '10', '--shard', '0/2', '--history-backend', 'prometheus', '--prometheus-url', 'https://mimir.example/prometheus', '--prometheus-auth-file', '/run/prom-auth', '--prometheus-timeout-ms', '2500'],
      noFile,
      undefined,
      {},
    );
    expect(config).toMatchObject({ metricsMaxStreamsPerCore: 10, shard: { index: 0, count: 2 }, historyBackend: 'prometheus', prometheusUrl: 'https://mimir.example/prometheus', prometheusAuth: 'Bearer s3cret', prometheusTimeoutMs: 2500 });
    expect(() => validateConfig(config)).not.toThrow();
  });

  it('takes the same settings from --config and the auth from the environment', () => {
    const { config } = parseArgs(['--config', '/etc/cs.json'], noFile, undefined, { CORE_SESSIONS_PROMETHEUS_AUTH: 'reader:pw' });
    expect(config).toMatchObject({ shard: { index: 1, count: 3 }, metricsMaxStreamsPerCore: 7, historyBackend: 'prometheus', prometheusUrl: 'http://prom:9090', prometheusAuth: 'reader:pw' });
  });

  it('defaults: cap 50, no shard, the embedded store', () => {
    const { config } = parseArgs([], noFile, undefined, {});
    expect(config).toMatchObject({ metricsMaxStreamsPerCore: 50, shard: null, historyBackend: 'embedded', prometheusUrl: '', prometheusAuth: '' });
  });

  it('bad values are one clear line', () => {
    const bad = (args: string[]): unknown => {
      try {
        validateConfig(parseArgs(args, noFile, undefined, {}).config);
      } catch (err) {
        return err;
      }
      return null;
    };
    expect(bad(['--shard', '2/2'])).toBeInstanceOf(ConfigError);
    expect(String(bad(['--shard', '2/2']))).toMatch(/--shard: I counts from 0/);
    expect(String(bad(['--history-backend', 'influx']))).toMatch(/expected embedded\|prometheus/);
    expect(String(bad(['--history-backend', 'prometheus']))).toMatch(/needs --prometheus-url/);
    expect(String(bad(['--metrics-max-streams-per-core', '-1']))).toMatch(/expected a number >= 0/);
    expect(String(bad(['--prometheus-timeout-ms', '10']))).toMatch(/>= 100/);
  });
});
