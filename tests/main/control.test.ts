import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type AppConfig } from '../../src/main/config.ts';
import { applySavedSettings, CORES_FILE, createAppControl, loadSavedSecrets, loadSavedSettings } from '../../src/main/control/index.ts';
import { loadDesktopPrefs } from '../../src/main/shell/prefs.ts';
import { settingSpec } from '../../src/shared/settings-schema.ts';
import { systemClock } from '../../src/main/engine/clock.ts';
import { memoryLogger } from '../../src/main/log.ts';
import { MemorySecretStore } from '../../src/main/remote/config.ts';
import { createFleet, type Fleet } from '../../src/main/remote/fleet.ts';
import { zeroSummary } from '../../src/main/engine/registry.ts';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { SHORT_TIMEOUTS } from './remote/helpers.ts';
import { waitFor } from '../support/wait.ts';

const LOGIN = { username: 'admin', password: 'datarhei' };
const cores: TestCore[] = [];
const fleets: Fleet[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await Promise.all(cores.map((c) => c.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function core(options: Parameters<typeof startTestCore>[0]): Promise<TestCore> {
  const c = await startTestCore({ failedLoginDelayMs: 50, ...options });
  cores.push(c);
  return c;
}

function setup(dataDir: string, secrets: MemorySecretStore, patch: Partial<AppConfig> = {}, setAtStart?: Record<string, string>): { fleet: Fleet; control: ReturnType<typeof createAppControl> } {
  const config: AppConfig = { ...defaultConfig(), dataDir, pollIntervalMs: 200, ...patch };
  const fleet = createFleet({
    local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } },
    clock: systemClock,
    log: memoryLogger(),
    timeouts: SHORT_TIMEOUTS,
  });
  fleets.push(fleet);
  return { fleet, control: createAppControl({ config, fleet, clock: systemClock, log: memoryLogger(), secrets, setAtStart }) };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'control-test-'));
  dirs.push(d);
  return d;
}

const stateOf = (fleet: Fleet, id: string): string | undefined => fleet.cores().find((c) => c.id === id)?.state;

describe('AppControl: cluster nodes', () => {
  it('lists a cluster, adds its nodes with the same credentials, saves them like addCore and restores them', async () => {
    const node = await core({ coreId: 'node-2', coreName: 'node two' });
    const leader = await core({
      coreId: 'node-1',
      cluster: { id: 'cl', nodes: [{ id: 'node-1', name: 'one', core: { address: 'http://127.0.0.1:1' } }, { id: 'node-2', name: 'two', core: { address: node.url } }] },
    });
    const single = await core({});
    const dataDir = tempDir();
    const secrets = new MemorySecretStore();
    const { fleet, control } = setup(dataDir, secrets);

    const lead = await control.addCore({ name: 'Leader', url: leader.url, ...LOGIN });
    const solo = await control.addCore({ name: 'Solo', url: single.url, ...LOGIN });
    expect(await control.clusterNodes(solo.id)).toEqual([]); // 404: not a cluster
    expect(await control.clusterNodes(lead.id)).toEqual([
      { id: 'node-1', name: 'one', url: 'http://127.0.0.1:1' },
      { id: 'node-2', name: 'two', url: node.url },
    ]);

    const added = await control.addClusterNodes(lead.id, ['node-2']);
    expect(added).toHaveLength(1);
    const nodeCore = added[0]!;
    expect(nodeCore).toMatchObject({ name: 'two', url: node.url, username: 'admin', hasPassword: true, pollIntervalMs: 200, enabled: true });
    expect(await secrets.get(nodeCore.id)).toEqual(LOGIN); // under the node's own core id
    const saved = readFileSync(join(dataDir, CORES_FILE), 'utf8');
    expect(saved).not.toContain(LOGIN.password);
    expect((JSON.parse(saved) as { cores: { id: string; url: string; username?: string }[] }).cores).toContainEqual(
      expect.objectContaining({ id: nodeCore.id, url: node.url, username: 'admin', name: 'two' }),
    );
    await waitFor(() => stateOf(fleet, nodeCore.id) === 'online', () => `node online (is ${stateOf(fleet, nodeCore.id)})`, 15_000);
    expect(node.loginsOk).toBeGreaterThan(0); // the leader's credentials were reused

    // Marked once added; asking again adds nothing twice.
    expect((await control.clusterNodes(lead.id)).map((n) => [n.id, n.addedAs])).toEqual([
      ['node-1', undefined],
      ['node-2', nodeCore.id],
    ]);
    expect(await control.addClusterNodes(lead.id, ['node-2'])).toEqual([]);
    expect((await control.listCores()).map((c) => c.id)).toEqual([lead.id, solo.id, nodeCore.id]);

    await expect(control.clusterNodes('nope')).rejects.toMatchObject({ code: 'not-found' });
    await expect(control.addClusterNodes('nope')).rejects.toMatchObject({ code: 'not-found' });

    // A restart restores the node from cores.json with its stored password.
    await fleet.stop();
    const again = setup(dataDir, secrets);
    await again.control.restoreCores();
    expect(await again.control.listCores()).toContainEqual(expect.objectContaining({ id: nodeCore.id, username: 'admin', hasPassword: true }));
    await waitFor(() => stateOf(again.fleet, nodeCore.id) === 'online', () => `restored node online (is ${stateOf(again.fleet, nodeCore.id)})`, 15_000);
  });

  it('stores the credentials of a --core leader (not saved itself) for the nodes it adds', async () => {
    const node = await core({ coreId: 'node-b' });
    const leader = await core({ cluster: { nodes: [{ id: 'node-b', name: 'bee', core: { address: node.url } }] } });
    const secrets = new MemorySecretStore();
    const leaderUrl = new URL(leader.url);
    leaderUrl.username = LOGIN.username;
    leaderUrl.password = LOGIN.password;
    const { fleet, control } = setup(tempDir(), secrets, { cores: [leaderUrl.toString()] });
    await control.restoreCores();
    const [flagged] = await control.listCores();
    expect(flagged).toMatchObject({ hasPassword: true, username: 'admin' });
    expect(await secrets.get(flagged!.id)).toBeUndefined(); // --core is for this run only

    const added = await control.addClusterNodes(flagged!.id); // no ids: every node not added yet
    expect(added.map((c) => c.url)).toEqual([node.url]);
    expect(await secrets.get(added[0]!.id)).toEqual(LOGIN);
    await waitFor(() => stateOf(fleet, added[0]!.id) === 'online', 'node online', 15_000);
  });

  it('editing a --core Core without retyping its password keeps the password (it was dropped before)', async () => {
    const remote = await core({ coreId: 'edit-me' });
    const url = new URL(remote.url);
    url.username = LOGIN.username;
    url.password = LOGIN.password;
    const { fleet, control } = setup(tempDir(), new MemorySecretStore(), { cores: [url.toString()] });
    await control.restoreCores();
    const [c] = await control.listCores();
    await waitFor(() => stateOf(fleet, c!.id) === 'online', 'online', 15_000);
    const logins = remote.loginsOk;
    const edited = await control.updateCore(c!.id, { url: remote.url, name: 'renamed' }); // no password field: keep it
    expect(edited).toMatchObject({ name: 'renamed', hasPassword: true, username: 'admin' });
    expect(fleet.credentialsOf(c!.id)).toEqual(LOGIN);
    await waitFor(() => remote.loginsOk > logins && stateOf(fleet, c!.id) === 'online', 'logged in again with the kept password', 15_000);
  });

  it('cluster nodes on another host: refused with a confirm-credentials error until the user agrees', async () => {
    const node = await core({ coreId: 'far-b' });
    const leader = await core({ cluster: { nodes: [{ id: 'far-b', name: 'far', core: { address: node.url.replace('127.0.0.1', 'localhost') } }] } });
    const { control } = setup(tempDir(), new MemorySecretStore());
    const added0 = await control.addCore({ name: 'leader', url: leader.url, username: LOGIN.username, password: LOGIN.password });
    await expect(control.addClusterNodes(added0.id)).rejects.toMatchObject({ code: 'confirm-credentials', message: expect.stringContaining('localhost') });
    expect((await control.listCores()).length).toBe(1);
    const added = await control.addClusterNodes(added0.id, undefined, true);
    expect(added).toHaveLength(1);
  });

  it('a corrupt cores.json is moved aside and logged, never overwritten by the next save', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, CORES_FILE), '{"cores": [{"id": "x", "url": "http://10.0.0.9:8080"}');
    const lines: string[] = [];
    const config: AppConfig = { ...defaultConfig(), dataDir: dir, pollIntervalMs: 200 };
    const fleet = createFleet({ local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } }, clock: systemClock, log: memoryLogger() });
    fleets.push(fleet);
    const control = createAppControl({ config, fleet, clock: systemClock, log: memoryLogger(lines), secrets: new MemorySecretStore() });
    await control.restoreCores();
    const aside = readdirSync(dir).filter((f) => f.startsWith(`${CORES_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toContain('10.0.0.9');
    expect(lines.some((l) => l.includes('WARN') && l.includes('moved it aside'))).toBe(true);
    const remote = await core({ coreId: 'after-corrupt' });
    await control.addCore({ name: 'new', url: remote.url });
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toContain('10.0.0.9'); // the user's old list is still there
  });

  it('a Core that cannot be asked gives the page a remote-* error code', async () => {
    const gone = await core({});
    const { control } = setup(tempDir(), new MemorySecretStore());
    const c = await control.addCore({ name: 'Gone', url: gone.url, ...LOGIN });
    await gone.close();
    await expect(control.clusterNodes(c.id)).rejects.toMatchObject({ code: expect.stringMatching(/^remote-/) as unknown });
  });
});

describe('AppControl: settings', () => {
  it('saves settings to settings.json; restart-bound ones are flagged only while they differ from the running config', async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets);
    expect((await control.getSettings()).restartRequired).toEqual([]);

    const after = await control.updateSettings({ values: { maxSessions: '7', units: 'binary', ignoreIps: '10.0.0.0/8', apiPassword: 'pw', apiUsername: 'admin' } });
    expect(after.values).toMatchObject({ maxSessions: '7', units: 'binary', ignoreIps: '10.0.0.0/8', apiPassword: '' });
    expect(after.secretsSet).toEqual(['apiPassword']);
    expect(after.restartRequired).toEqual(['apiUsername', 'apiPassword', 'ignoreIps', 'maxSessions']);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ maxSessions: 7, units: 'binary', ignoreIps: ['10.0.0.0/8'], apiUsername: 'admin' });
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain('pw');
    expect(await secrets.get('local-api')).toEqual({ username: 'admin', password: 'pw' });

    // The next start runs with them (headless.ts and index.ts apply settings.json under the flags): nothing pending.
    const restarted = setup(dir, secrets, { maxSessions: 7, ignoreIps: ['10.0.0.0/8'], auth: { username: 'admin', password: 'pw' } });
    expect((await restarted.control.getSettings()).restartRequired).toEqual([]);
  });

  it('the history backend from Settings: Prometheus URL saved, its auth only in the secret store, applied at the next start', async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets);
    // A Prometheus history without a URL, or a URL that is not http(s), is refused plainly.
    await expect(control.updateSettings({ values: { historyBackend: 'prometheus' } })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('Prometheus URL') });
    await expect(control.updateSettings({ values: { prometheusUrl: 'prom:9090' } })).rejects.toMatchObject({ code: 'invalid-argument' });
    const after = await control.updateSettings({ values: { historyBackend: 'prometheus', prometheusUrl: 'http://127.0.0.1:9090', prometheusAuth: 'Bearer t0ken' } });
    expect(after.values).toMatchObject({ historyBackend: 'prometheus', prometheusUrl: 'http://127.0.0.1:9090', prometheusAuth: '' });
    expect(after.secretsSet).toEqual(['prometheusAuth']);
    expect(after.restartRequired).toEqual(['historyBackend', 'prometheusUrl', 'prometheusAuth']);
    const file = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(JSON.parse(file)).toEqual({ historyBackend: 'prometheus', prometheusUrl: 'http://127.0.0.1:9090' });
    expect(file).not.toContain('t0ken');

    // The next start (headless.ts, index.ts): settings.json and the secret store under the flags.
    const next = applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets));
    expect(next).toMatchObject({ historyBackend: 'prometheus', prometheusUrl: 'http://127.0.0.1:9090', prometheusAuth: 'Bearer t0ken' });
    const restarted = setup(dir, secrets, next);
    expect((await restarted.control.getSettings()).restartRequired).toEqual([]);

    // '' removes the auth (the page's "Remove on Save"), from the secret store too, and the next start runs without it.
    const removed = await restarted.control.updateSettings({ values: { prometheusAuth: '' } });
    expect([removed.secretsSet, removed.restartRequired]).toEqual([[], ['prometheusAuth']]);
    expect(await secrets.get('prometheus-history')).toBeUndefined();
    expect((await loadSavedSecrets(secrets)).values?.prometheusAuth).toBeUndefined();
    expect(applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets)).prometheusAuth).toBe('');
  });

  it('reads a settings.json written under the old names as the new ones, and the next save writes only the new names', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ apiAddress: '127.0.0.1:9001', ipIgnoreList: ['10.0.0.0/8'], sessionTimeoutMs: 45_000, units: 'binary' }));
    // The next start applies them as --listen, --ignore-ips and --session-timeout-sec.
    const next = applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), {});
    expect(next).toMatchObject({ listen: { host: '127.0.0.1', port: 9001 }, ignoreIps: ['10.0.0.0/8'], sessionTimeoutSec: 45 });

    const { control } = setup(dir, new MemorySecretStore());
    expect((await control.getSettings()).values).toMatchObject({ listen: '127.0.0.1:9001', ignoreIps: '10.0.0.0/8', sessionTimeoutSec: '45', units: 'binary' });
    await control.updateSettings({ values: { maxSessions: '3' } });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ listen: '127.0.0.1:9001', ignoreIps: ['10.0.0.0/8'], sessionTimeoutSec: 45, units: 'binary', maxSessions: 3 });

    // A file holding both spellings keeps the new one.
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ sessionTimeoutMs: 45_000, sessionTimeoutSec: 20 }));
    expect(loadSavedSettings(dir)).toEqual({ sessionTimeoutSec: 20 });
  });

  it('moves a corrupt settings.json aside and says so; the defaults apply', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), '{"maxSessions": 7,');
    const log = memoryLogger();
    expect(loadSavedSettings(dir, log)).toEqual({});
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    expect(log.lines.some((l) => l.includes('settings.json is not valid JSON'))).toBe(true);
  });

  it('rejects an unusable API address or user name with a clear error', async () => {
    const { control } = setup(tempDir(), new MemorySecretStore());
    await expect(control.updateSettings({ values: { listen: 'nohost' } })).rejects.toMatchObject({ code: 'invalid-argument', message: 'API address: expected HOST:PORT (IPv6 as [::1]:PORT), got "nohost"' });
    await expect(control.updateSettings({ values: { apiUsername: 'a:b' } })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it("checks the older panels' numbers with the flags' parsers and ranges too", async () => {
    const dir = tempDir();
    const { control } = setup(dir, new MemorySecretStore());
    const refused = (patch: Parameters<typeof control.updateSettings>[0], message: string) => expect(control.updateSettings(patch)).rejects.toMatchObject({ code: 'invalid-argument', message });
    await refused({ values: { maxSessions: '-1' } }, 'Max sessions: expected a number >= 0, got "-1"');
    await refused({ values: { maxSessions: '2.5' } }, 'Max sessions: expected a whole number, got "2.5"');
    await refused({ values: { sessionTimeoutSec: '0' } }, 'Session timeout (s): expected a number >= 1, got "0"');
    await refused({ values: { pollIntervalMs: '50' } }, 'Poll interval (ms): expected a number >= 100, got "50"');
    await refused({ values: { maxBitrateMbit: '-3' } }, 'Max bitrate (Mbit/s): expected a number >= 0, got "-3"');
    await refused({ values: { maxBitrateMbit: 'lots' } }, 'Max bitrate (Mbit/s): expected a number >= 0, got "lots"');
    await refused({ values: { historyBackend: 'influx' } }, 'History backend: expected embedded|prometheus, got "influx"');
    await refused({ values: { units: 'metric' } }, 'Units: expected decimal|binary, got "metric"');
    await refused({ values: { inactiveTimeoutSec: '9' } }, 'Inactive timeout (s): fixed, it cannot be changed');
    expect(existsSync(join(dir, 'settings.json'))).toBe(false);
    // A fractional bitrate limit is what the flag takes (the page used to round it).
    expect((await control.updateSettings({ values: { maxBitrateMbit: '2.5' } })).values.maxBitrateMbit).toBe('2.5');
  });

  it("the servers', time series' and desktop settings: saved in settings.json under the schema's keys, applied at the next start through the --config reader", async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets);
    const before = await control.getSettings();
    // What runs, as the text the flags take.
    expect(before.values).toMatchObject({ rtmp: '127.0.0.1:1935', rtmpApp: '/', rtmpWriteHoldMs: '100', srt: '127.0.0.1:6000', diskDir: '', ffmpeg: 'ffmpeg', timeseries: true, timeseriesRawHours: '48', startHidden: false, trayScaleMbit: '0' });
    expect(before.setAtStart).toEqual({});

    const after = await control.updateSettings({
      values: { rtmp: ' 127.0.0.1:1940 ', rtmpWriteHoldMs: '40', srt: 'off', diskDir: '/srv/media', timeseries: false, timeseriesRawHours: '12', trayScaleMbit: '50', startHidden: true },
    });
    expect(after.values).toMatchObject({ rtmp: '127.0.0.1:1940', rtmpWriteHoldMs: '40', srt: 'off', diskDir: '/srv/media', timeseries: false, timeseriesRawHours: '12', trayScaleMbit: '50', startHidden: true });
    expect(after.restartRequired).toEqual(['rtmp', 'rtmpWriteHoldMs', 'srt', 'diskDir', 'timeseries', 'timeseriesRawHours', 'startHidden', 'trayScaleMbit']);
    // A --config file's form: the next start reads it with the same reader.
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({
      rtmp: '127.0.0.1:1940', rtmpWriteHoldMs: 40, srt: 'off', diskDir: '/srv/media', timeseries: false, timeseriesRawHours: 12, trayScaleMbit: 50, startHidden: true,
    });
    const next = applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets));
    expect(next).toMatchObject({ rtmp: { host: '127.0.0.1', port: 1940 }, rtmpWriteHoldMs: 40, srt: null, diskDir: '/srv/media', timeseries: false, timeseriesRawHours: 12 });
    // The desktop shell reads its two from settings.json over an older desktop.json.
    writeFileSync(join(dir, 'desktop.json'), JSON.stringify({ startHidden: false, trayScaleMbit: 10 }));
    expect(loadDesktopPrefs(join(dir, 'desktop.json'), loadSavedSettings(dir))).toEqual({ startHidden: true, trayScaleMbit: 50 });
    // Started with them: nothing pending.
    const restarted = setup(dir, secrets, next);
    expect((await restarted.control.getSettings()).restartRequired).toEqual([]);

    // '' for a string setting goes back to its default (the key leaves settings.json).
    await control.updateSettings({ values: { diskDir: '' } });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).not.toHaveProperty('diskDir');
  });

  it("the older panels' fields take the same path: flag text in, a --config file's form in settings.json, the --config reader at the next start", async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { fleet, control } = setup(dir, secrets);
    const remote = await core({});
    const added = await control.addCore({ name: 'R', url: remote.url, ...LOGIN });
    const after = await control.updateSettings({
      values: { listen: ' 127.0.0.1:9101 ', ignoreIps: '10.0.0.0/8,192.168.0.0/16', sessionTimeoutSec: '45', maxSessions: '7', maxBitrateMbit: '2.5', pollIntervalMs: '2500', units: 'binary' },
    });
    expect(after.values).toMatchObject({ listen: '127.0.0.1:9101', ignoreIps: '10.0.0.0/8,192.168.0.0/16', sessionTimeoutSec: '45', maxSessions: '7', maxBitrateMbit: '2.5', pollIntervalMs: '2500', units: 'binary' });
    // The poll interval and units apply at once (a remote Core on the default follows it); the others at the next start.
    expect(after.restartRequired).toEqual(['listen', 'ignoreIps', 'sessionTimeoutSec', 'maxSessions', 'maxBitrateMbit']);
    expect(fleet.remoteConfigs().find((c) => c.id === added.id)?.intervalMs).toBe(2500);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({
      listen: '127.0.0.1:9101', ignoreIps: ['10.0.0.0/8', '192.168.0.0/16'], sessionTimeoutSec: 45, maxSessions: 7, maxBitrateMbit: 2.5, pollIntervalMs: 2500, units: 'binary',
    });
    const next = applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets));
    expect(next).toMatchObject({ listen: { host: '127.0.0.1', port: 9101 }, ignoreIps: ['10.0.0.0/8', '192.168.0.0/16'], sessionTimeoutSec: 45, maxSessions: 7, maxBitrateMbit: 2.5, pollIntervalMs: 2500 });
    expect((await setup(dir, secrets, next).control.getSettings()).restartRequired).toEqual([]);
    // The login: a user name with ":" is refused; switching it on needs a user name and a password; the password
    // cannot be removed while the login is on, and can once it is off.
    await expect(control.updateSettings({ values: { apiUsername: 'a:b' } })).rejects.toMatchObject({ message: 'Username: the API user name cannot contain ":"' });
    await expect(control.updateSettings({ values: { apiAuthEnabled: true, apiUsername: 'admin' } })).rejects.toMatchObject({ message: 'Require login: needs a user name and a password' });
    const login = await control.updateSettings({ values: { apiAuthEnabled: true, apiUsername: 'admin', apiPassword: 'pw' } });
    expect([login.values.apiAuthEnabled, login.values.apiPassword, login.secretsSet]).toEqual([true, '', ['apiPassword']]);
    expect(await secrets.get('local-api')).toEqual({ username: 'admin', password: 'pw' });
    expect(applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets)).auth).toEqual({ username: 'admin', password: 'pw' });
    await expect(control.updateSettings({ values: { apiPassword: '' } })).rejects.toMatchObject({ message: expect.stringContaining('switch the login off') });
    expect((await control.updateSettings({ values: { apiAuthEnabled: false, apiPassword: '' } })).secretsSet).toEqual([]);
    expect(await secrets.get('local-api')).toBeUndefined();
  });

  it("an unsaved setting the config has not (units, the desktop entries) shows the schema's default value, not a word of its help text", async () => {
    const trayScale = settingSpec('trayScaleMbit')!;
    const documented = trayScale.defaultText;
    // The documented default is prose; what runs comes from the schema's `default`, whatever the prose says.
    trayScale.defaultText = 'none (follow the peak)';
    try {
      const { control } = setup(tempDir(), new MemorySecretStore());
      const { values, restartRequired } = await control.getSettings();
      expect([values.trayScaleMbit, values.startHidden, values.units, values.inactiveTimeoutSec]).toEqual(['0', false, 'decimal', '5']);
      expect(restartRequired).toEqual([]);
    } finally {
      trayScale.defaultText = documented;
    }
  });

  it('refuses a bad value with the flag\'s error under the view\'s label, and writes nothing', async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets);
    await control.updateSettings({ values: { rtmpApp: '/live' } });
    const file = readFileSync(join(dir, 'settings.json'), 'utf8');
    const refused = async (values: Record<string, string | boolean>, message: string): Promise<void> => {
      await expect(control.updateSettings({ values: { rtmpToken: 'not-stored', maxSessions: '9', ...values } })).rejects.toMatchObject({ code: 'invalid-argument', message });
      expect(readFileSync(join(dir, 'settings.json'), 'utf8'), message).toBe(file);
    };
    await refused({ rtmpWriteHoldMs: '1001' }, 'RTMP write hold (ms): expected a number from 0 to 1000, got "1001"');
    await refused({ rtmpWriteHoldMs: '2.5' }, 'RTMP write hold (ms): expected a whole number, got "2.5"');
    await refused({ rtmp: 'nohost', rtmpWriteHoldMs: '50' }, 'RTMP address: expected HOST:PORT (IPv6 as [::1]:PORT), got "nohost"');
    await refused({ srt: '127.0.0.1:70000' }, 'SRT address: port 70000 is out of range');
    await refused({ memfsMaxMb: '0' }, 'Memfs size (MB): expected a number >= 1, got "0"');
    await refused({ timeseriesIntervalSec: '7' }, 'Sample interval (s): expected a divisor of 60 (1, 2, 5, 10, 15, 30, 60…), got 7');
    await refused({ timeseriesHourDays: 'a year' }, 'Hour aggregates kept (days): expected a number >= 1, got "a year"');
    await refused({ timeseries: 'yes' }, 'Time series: expected on or off');
    await refused({ logLevel: 'debug' }, 'unknown setting "logLevel"');
    // Nothing of the refused patches reached the secret store either.
    expect(await secrets.get('setting:rtmpToken')).toBeUndefined();
    expect((await control.getSettings()).values.maxSessions).toBe('0');
  });

  it('tokens: kept in the secret store, never in settings.json nor sent back; "(unchanged)" is the page\'s empty field', async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets);
    expect((await control.getSettings()).secretsSet).toEqual([]);
    const after = await control.updateSettings({ values: { rtmpToken: 's3cret-rtmp', srtToken: 's3cret-srt' } });
    expect(after.values).toMatchObject({ rtmpToken: '', srtToken: '' });
    expect(after.secretsSet).toEqual(['rtmpToken', 'srtToken']);
    expect(after.restartRequired).toEqual(['rtmpToken', 'srtToken']);
    expect(JSON.stringify(after)).not.toContain('s3cret');
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain('s3cret');
    expect(await secrets.get('setting:rtmpToken')).toEqual({ username: '', password: 's3cret-rtmp' });
    const next = applySavedSettings({ ...defaultConfig(), dataDir: dir }, loadSavedSettings(dir), await loadSavedSecrets(secrets));
    expect([next.rtmpToken, next.srtToken]).toEqual(['s3cret-rtmp', 's3cret-srt']);
    // A new start knows they are set without sending them.
    const restarted = setup(dir, secrets, next);
    const shown = await restarted.control.getSettings();
    expect([shown.secretsSet, shown.values.rtmpToken, shown.restartRequired]).toEqual([['rtmpToken', 'srtToken'], '', []]);
    // '' removes one.
    expect((await restarted.control.updateSettings({ values: { srtToken: '' } })).secretsSet).toEqual(['rtmpToken']);
    expect((await loadSavedSecrets(secrets)).values).toEqual({ rtmpToken: 's3cret-rtmp' });
  });

  it('a setting given at start shows the value it runs with and what set it; its saved value is kept for a start without it', async () => {
    const dir = tempDir();
    const secrets = new MemorySecretStore();
    const { control } = setup(dir, secrets, { rtmp: { host: '127.0.0.1', port: 1999 } }, { rtmp: '--rtmp' });
    const after = await control.updateSettings({ values: { rtmp: '127.0.0.1:1940' } });
    expect(after.values.rtmp).toBe('127.0.0.1:1999');
    expect(after.setAtStart).toEqual({ rtmp: '--rtmp' });
    // Not "restart needed": a restart with the same flag would not apply it.
    expect(after.restartRequired).toEqual([]);
    expect(loadSavedSettings(dir)).toEqual({ rtmp: '127.0.0.1:1940' });
  });
});
