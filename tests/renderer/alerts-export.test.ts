import { describe, expect, it } from 'vitest';
import type { AlertItem, AlertList, ExportRequest, ExportResult, MetricsHistory } from '../../src/shared/ipc.ts';
import { exportUrl, fileNameFrom } from '../../src/renderer/src/api/http-api.ts';
import { exportStatusText } from '../../src/renderer/src/components/ExportButton.tsx';
import { connect } from '../../src/renderer/src/store/connect.ts';
import { createAppStore, type CsvDownloader } from '../../src/renderer/src/store/store.ts';
import { createFakeApi, fakeMain, settle, snapshot } from './fake-api.ts';

const EMPTY_HISTORY: MetricsHistory = { stepMs: 1000, atMs: [], series: [] };

function alert(p: Partial<AlertItem> & Pick<AlertItem, 'key'>): AlertItem {
  return { ruleId: 'r', kind: 'sessions-above', core: 'local', collector: 'http', message: 'local http sessions 2 > 0', raisedAtMs: 1000, ...p };
}

type Extra = Parameters<typeof createFakeApi>[0];

async function setup(extra: Extra = {}, downloader?: CsvDownloader) {
  const fake = createFakeApi({
    'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: {} }),
    'sessions:snapshot': () => fakeMain().full(snapshot(1000, [])),
    'metrics:history': () => EMPTY_HISTORY,
    ...extra,
  });
  const store = createAppStore();
  const connection = connect(fake.api, store, { schedule: (cb) => cb(), ...(downloader ? { downloader } : {}) });
  await settle();
  await settle();
  return { fake, store, connection };
}

/** A promise resolved from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('alerts slice', () => {
  it('loads the list at start, then follows alerts:update pushes', async () => {
    const initial: AlertList = { active: [alert({ key: 'a' })], recent: [], mutes: [] };
    const { fake, store, connection } = await setup({ 'alerts:list': () => initial });
    expect(fake.calls.some((c) => c.channel === 'alerts:list')).toBe(true);
    expect(store.getState().alerts).toEqual(initial);
    expect(store.getState().alertsSupported).toBe(true);

    const next: AlertList = { active: [alert({ key: 'b', kind: 'core-unreachable', collector: undefined })], recent: [{ ...alert({ key: 'a' }), clearedAtMs: 2000 }], mutes: [{ ruleId: 'busy', untilMs: 9000 }] };
    fake.push('alerts:update', next);
    expect(store.getState().alerts).toEqual(next);
    expect(store.getState().lastError).toBeNull();

    connection.disconnect();
    expect(fake.listenerCount('alerts:update')).toBe(0);
    expect(fake.listenerCount('export:progress')).toBe(0);
  });

  it('an older main without the channel: unsupported, not an error', async () => {
    const { store } = await setup();
    expect(store.getState().alertsSupported).toBe(false);
    expect(store.getState().alerts).toEqual({ active: [], recent: [], mutes: [] });
    expect(store.getState().lastError).toBeNull();
  });

  it('other failures show in the status bar', async () => {
    const { store } = await setup({
      'alerts:list': () => {
        throw Object.assign(new Error('boom'), { code: 'internal' });
      },
    });
    expect(store.getState().lastError).toBe('boom');
  });
});

describe('export slice, Electron (export:save + export:progress pushes)', () => {
  it('shows rows written while running, then the saved path; a second click while running is ignored', async () => {
    const answer = deferred<ExportResult | null>();
    const requests: ExportRequest[] = [];
    const { fake, store } = await setup({
      'export:save': (req) => {
        requests.push(req);
        return answer.promise;
      },
    });
    const request: ExportRequest = { kind: 'sessions', collectors: ['hls'], core: ['local'], text: 'abc' };
    const done = store.getState().exportCsv(request);
    expect(store.getState().exports.sessions).toEqual({ state: 'running', rows: 0 });
    void store.getState().exportCsv(request);
    await settle();
    expect(requests).toEqual([request]);

    fake.push('export:progress', { id: 'x1', kind: 'sessions', rowsWritten: 1200, done: false });
    expect(store.getState().exports.sessions).toMatchObject({ state: 'running', rows: 1200 });
    expect(exportStatusText(store.getState().exports.sessions)).toBe('Exporting… 1,200 rows');
    // The final push comes before the answer: still running until the path is known.
    fake.push('export:progress', { id: 'x1', kind: 'sessions', rowsWritten: 2500, done: true });
    expect(store.getState().exports.sessions?.state).toBe('running');
    answer.resolve({ id: 'x1', path: '/home/u/Downloads/core-sessions.csv', rows: 2500 });
    await done;
    expect(store.getState().exports.sessions).toEqual({ state: 'done', rows: 2500, target: '/home/u/Downloads/core-sessions.csv' });
    expect(exportStatusText(store.getState().exports.sessions)).toBe('Saved 2,500 rows to /home/u/Downloads/core-sessions.csv');
    expect(store.getState().exports.history).toBeUndefined();
  });

  it('a cancelled dialog, and a failed export', async () => {
    let outcome: 'cancel' | 'fail' = 'cancel';
    const { fake, store } = await setup({
      'export:save': async () => {
        if (outcome === 'cancel') return null;
        fake.push('export:progress', { id: 'x2', kind: 'history', rowsWritten: 10, done: true, error: 'disk full' });
        throw Object.assign(new Error('disk full'), { code: 'io' });
      },
    });
    await store.getState().exportCsv({ kind: 'history' });
    expect(store.getState().exports.history).toMatchObject({ state: 'cancelled' });
    outcome = 'fail';
    await store.getState().exportCsv({ kind: 'history', core: ['r1'] });
    expect(store.getState().exports.history).toMatchObject({ state: 'error', error: 'disk full' });
    expect(exportStatusText(store.getState().exports.history)).toBe('Export failed: disk full');
  });

  it('an export started elsewhere (the tray menu) shows its progress and its end', async () => {
    const { fake, store } = await setup();
    fake.push('export:progress', { id: 't1', kind: 'history', rowsWritten: 64, done: false });
    expect(store.getState().exports.history).toMatchObject({ state: 'running', rows: 64 });
    fake.push('export:progress', { id: 't1', kind: 'history', rowsWritten: 99, done: true });
    expect(store.getState().exports.history).toMatchObject({ state: 'done', rows: 99 });
  });
});

describe('export slice, browser (download over HTTP)', () => {
  it('uses the downloader, reports bytes received, then the file name', async () => {
    const gate = deferred<void>();
    const seen: ExportRequest[] = [];
    const downloader: CsvDownloader = {
      async download(request, onBytes) {
        seen.push(request);
        onBytes(65536);
        await gate.promise;
        onBytes(100000);
        return { fileName: 'core-sessions-2026.csv', bytes: 100000 };
      },
    };
    const { store, fake } = await setup({}, downloader);
    const done = store.getState().exportCsv({ kind: 'sessions', text: 'x' });
    expect(store.getState().exports.sessions).toEqual({ state: 'running', bytes: 65536 });
    expect(exportStatusText(store.getState().exports.sessions)).toBe('Exporting… 65.5\u202fkB');
    gate.resolve();
    await done;
    expect(store.getState().exports.sessions).toEqual({ state: 'done', bytes: 100000, target: 'core-sessions-2026.csv' });
    expect(seen).toEqual([{ kind: 'sessions', text: 'x' }]);
    expect(fake.calls.some((c) => c.channel === 'export:save')).toBe(false);
  });

  it('a 401 during a download shows the login form', async () => {
    const downloader: CsvDownloader = {
      download: async () => {
        throw Object.assign(new Error('Login required'), { code: 'unauthorized' });
      },
    };
    const { store } = await setup({}, downloader);
    await store.getState().exportCsv({ kind: 'history' });
    expect(store.getState().exports.history).toMatchObject({ state: 'error' });
    expect(store.getState().authRequired).toBe(true);
  });

  it('builds the export URL with the routes\' query parameters', () => {
    expect(exportUrl({ kind: 'sessions' })).toBe('/api/export/sessions.csv');
    expect(exportUrl({ kind: 'sessions', collectors: ['hls', 'rtmp'], core: ['local'], text: 'a b&c' }, 'http://h:1')).toBe(
      'http://h:1/api/export/sessions.csv?collectors=hls%2Crtmp&core=local&text=a+b%26c',
    );
    expect(exportUrl({ kind: 'sessions', collectors: [], core: [], text: '  ' })).toBe('/api/export/sessions.csv');
    // History has no text filter.
    expect(exportUrl({ kind: 'history', core: ['r1'], text: 'x' })).toBe('/api/export/history.csv?core=r1');
  });

  it('takes the file name from Content-Disposition', () => {
    expect(fileNameFrom('attachment; filename="core-sessions-2026-01-02T03-04-05Z.csv"', 'f.csv')).toBe('core-sessions-2026-01-02T03-04-05Z.csv');
    expect(fileNameFrom(null, 'f.csv')).toBe('f.csv');
    expect(fileNameFrom('attachment; filename="../x.csv"', 'f.csv')).toBe('f.csv');
  });
});
