import { describe, expect, it } from 'vitest';
import { checkCoreUrl, checkSettingsPatch, isForbiddenCoreAddress, settingsForPage } from '../../../src/main/ui/page-guards.ts';
import type { AppSettings } from '../../../src/shared/ipc.ts';

describe('link-local and metadata addresses', () => {
  it('are recognised in every spelling', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', '::ffff:169.254.169.254', 'fe80::1', '[fe80::1%eth0]', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16']) {
      expect(isForbiddenCoreAddress(a), a).toBe(true);
    }
    for (const a of ['127.0.0.1', '10.0.0.1', '192.168.1.1', '::1', '2001:db8::1', 'example.com']) expect(isForbiddenCoreAddress(a), a).toBe(false);
  });
  it('a host name that resolves to one is refused too; unresolvable names pass', async () => {
    const resolve = async (host: string): Promise<string[]> => {
      if (host === 'metadata.google.internal') return ['169.254.169.254'];
      if (host === 'core.example') return ['192.0.2.10'];
      throw new Error('ENOTFOUND');
    };
    await expect(checkCoreUrl('http://metadata.google.internal/computeMetadata/v1/', resolve)).rejects.toThrow(/metadata\.google\.internal \(169\.254\.169\.254\)/);
    await expect(checkCoreUrl('http://core.example:8080', resolve)).resolves.toBeUndefined();
    await expect(checkCoreUrl('http://nowhere.invalid', resolve)).resolves.toBeUndefined();
    await expect(checkCoreUrl('not a url', resolve)).resolves.toBeUndefined();
  });
});

describe('exposure-widening settings', () => {
  const values = { listen: '127.0.0.1:8787', apiAuthEnabled: false, apiUsername: '', apiPassword: '', rtmp: '127.0.0.1:1935', srt: '127.0.0.1:6000', ffmpeg: 'ffmpeg', diskDir: '', rtmpToken: '', prometheusUrl: 'http://127.0.0.1:9090', prometheusAuth: '' };
  const now: AppSettings = { values, secretsSet: ['rtmpToken', 'prometheusAuth'], setAtStart: {} };
  const ctx = (authenticated: boolean, settings: AppSettings = now) => ({ authenticated, currentSettings: async () => settings });
  it('are refused from an unauthenticated page, allowed when unchanged or loopback', async () => {
    await expect(checkSettingsPatch({ values: { listen: '0.0.0.0:8787' } }, ctx(false))).rejects.toThrow(/non-loopback API address \(0\.0\.0\.0\)/);
    await expect(checkSettingsPatch({ values: { apiAuthEnabled: true, apiUsername: 'x', apiPassword: 'y' } }, ctx(false))).rejects.toThrow(/switching API auth, the API user name, the API password/);
    await expect(checkSettingsPatch({ values: { listen: '127.0.0.1:9000', apiAuthEnabled: false, apiUsername: '', pollIntervalMs: '5' } }, ctx(false))).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ values: { listen: '[::1]:9000' } }, ctx(false))).resolves.toBeUndefined();
  });
  it('are allowed to an authenticated caller', async () => {
    await expect(checkSettingsPatch({ values: { listen: '0.0.0.0:8787', apiAuthEnabled: true } }, ctx(true))).resolves.toBeUndefined();
  });
  it('the anonymous page is told every secret whose removal the guard refuses, and why; an authenticated page is told nothing', async () => {
    const told = settingsForPage(now, false).keptSecrets!;
    expect(told.reason).toMatch(/^With API auth off this page cannot remove it/);
    for (const key of told.keys) {
      const secretsSet = [key];
      await expect(checkSettingsPatch({ values: { [key]: '' } }, ctx(false, { ...now, secretsSet })), key).rejects.toThrow(/with API auth off/);
      await expect(checkSettingsPatch({ values: { [key]: '' } }, ctx(true, { ...now, secretsSet })), key).resolves.toBeUndefined();
    }
    expect(told.keys.sort()).toEqual(['apiPassword', 'prometheusAuth', 'rtmpToken', 'srtToken']);
    expect(settingsForPage(now, true)).toBe(now);
  });

  it('the limits on what clients can make the server hold, the login switch, the FFmpeg binary and the disk folder: shown read-only to the anonymous page, with why; each change refused to it, either way; allowed to an authenticated page', async () => {
    const limits = { ...values, memfsMaxMb: '256', maxSessions: '0', maxBitrateMbit: '0', sessionTimeoutSec: '30', timeseriesMaxMb: '512' };
    const settings: AppSettings = { ...now, values: limits };
    const told = settingsForPage(settings, false).ownerOnly!;
    expect(told.reason).toMatch(/^With API auth off, read-only here \(any local program could change it\): use its flag, the desktop app or the API login\.$/);
    expect([...told.keys].sort()).toEqual(['apiAuthEnabled', 'apiUsername', 'diskDir', 'ffmpeg', 'maxBitrateMbit', 'maxSessions', 'memfsMaxMb', 'sessionTimeoutSec', 'timeseriesMaxMb']);
    const changes: Record<string, string | boolean> = { apiAuthEnabled: true, apiUsername: 'x', diskDir: '/tmp', ffmpeg: '/bin/sh', memfsMaxMb: '100000', maxSessions: '5', maxBitrateMbit: '1', sessionTimeoutSec: '86400', timeseriesMaxMb: '1' };
    for (const key of told.keys) {
      await expect(checkSettingsPatch({ values: { [key]: changes[key]! } }, ctx(false, settings)), key).rejects.toThrow(/^with API auth off, the web page cannot change /);
      await expect(checkSettingsPatch({ values: { [key]: changes[key]! } }, ctx(true, settings)), key).resolves.toBeUndefined();
      // The page re-sending the value it was given is no change.
      await expect(checkSettingsPatch({ values: { [key]: settings.values[key]! } }, ctx(false, settings)), key).resolves.toBeUndefined();
    }
    await expect(checkSettingsPatch({ values: { memfsMaxMb: '1024', maxSessions: '1' } }, ctx(false, settings))).rejects.toThrow(/cannot change the limit "Memfs size \(MB\)", the limit "Max sessions": /);
    expect(settingsForPage(settings, true).ownerOnly).toBeUndefined();
  });

  it('the Prometheus auth: its removal, or a new URL that the stored auth would go to, refused to an anonymous page; the desktop app and an authenticated page may', async () => {
    await expect(checkSettingsPatch({ values: { prometheusAuth: '' } }, ctx(false))).rejects.toThrow(/the Prometheus auth to none/);
    await expect(checkSettingsPatch({ values: { prometheusUrl: 'http://prom.example:9090' } }, ctx(false))).rejects.toThrow(/the Prometheus URL while its auth is set/);
    // A new auth, a new URL with its own auth, the URL unchanged, or no auth stored: nothing stored leaves.
    await expect(checkSettingsPatch({ values: { prometheusAuth: 'Bearer new' } }, ctx(false))).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ values: { prometheusUrl: 'http://prom.example:9090', prometheusAuth: 'Bearer new' } }, ctx(false))).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ values: { prometheusUrl: ' http://127.0.0.1:9090 ', historyBackend: 'prometheus' } }, ctx(false))).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ values: { prometheusUrl: 'http://prom.example:9090', prometheusAuth: '' } }, ctx(false, { ...now, secretsSet: [] }))).resolves.toBeUndefined();
    // An authenticated page (and the desktop window, which never passes here) may remove it.
    await expect(checkSettingsPatch({ values: { prometheusAuth: '', prometheusUrl: 'http://prom.example:9090' } }, ctx(true))).resolves.toBeUndefined();
  });
  it("the local core's servers: a non-loopback RTMP/SRT address, a token removed, the FFmpeg binary or the disk folder, refused to an anonymous page", async () => {
    await expect(checkSettingsPatch({ values: { rtmp: '0.0.0.0:1935' } }, ctx(false))).rejects.toThrow(/non-loopback RTMP address \(0\.0\.0\.0\)/);
    await expect(checkSettingsPatch({ values: { srt: '[::]:6000' } }, ctx(false))).rejects.toThrow(/non-loopback SRT address/);
    await expect(checkSettingsPatch({ values: { ffmpeg: '/tmp/evil', diskDir: '/' } }, ctx(false))).rejects.toThrow(/the FFmpeg binary, the disk folder/);
    await expect(checkSettingsPatch({ values: { rtmpToken: '' } }, ctx(false))).rejects.toThrow(/the RTMP token to none/);
    // Loopback, off, unchanged, a new token, and everything else pass.
    await expect(checkSettingsPatch({ values: { rtmp: '127.0.0.1:1940', srt: 'off', ffmpeg: ' ffmpeg ', diskDir: '', rtmpToken: 'new', rtmpWriteHoldMs: '50' } }, ctx(false))).resolves.toBeUndefined();
    await expect(checkSettingsPatch({ values: { rtmp: '0.0.0.0:1935', ffmpeg: '/opt/ffmpeg/bin/ffmpeg' } }, ctx(true))).resolves.toBeUndefined();
  });
});
