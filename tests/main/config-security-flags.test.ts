import { describe, expect, it } from 'vitest';
import { ConfigError, HELP, parseArgs } from '../../src/main/config.ts';

const noFile = (): string => {
  throw new Error('no file');
};

describe('security flags (docs/security.md)', () => {
  it('--allowed-hosts, --metrics-auth and --max-conns-per-ip parse, with defaults as documented', () => {
    const d = parseArgs([], noFile).config;
    expect(d).toMatchObject({ allowedHosts: [], metricsAuth: false, maxConnsPerIp: 100 });
    const c = parseArgs(['--allowed-hosts', 'stats.example.org, .corp.example', '--metrics-auth', '--max-conns-per-ip=0'], noFile).config;
    expect(c).toMatchObject({ allowedHosts: ['stats.example.org', '.corp.example'], metricsAuth: true, maxConnsPerIp: 0 });
    expect(() => parseArgs(['--max-conns-per-ip', '-1'], noFile)).toThrow(ConfigError);
  });
  it('the same settings from a --config file', () => {
    const file = JSON.stringify({ allowedHosts: ['a.example'], metricsAuth: true, maxConnsPerIp: 7 });
    expect(parseArgs(['--config', 'x.json'], () => file).config).toMatchObject({ allowedHosts: ['a.example'], metricsAuth: true, maxConnsPerIp: 7 });
  });
  it('--help names them', () => {
    for (const flag of ['--allowed-hosts', '--metrics-auth', '--max-conns-per-ip']) expect(HELP).toContain(flag);
  });
});
