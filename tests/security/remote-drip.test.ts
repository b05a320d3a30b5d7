/**
 * Attack: a remote Core (hostile or broken) answers one byte every few seconds. undici's idle timers never fire, so
 * without a total deadline the poll never ends, the Core stays `online` and its sessions silently drop out of the
 * merged view. Run against the real headless server watching a test Core over loopback: the Core must be shown as
 * not online (stale, then unreachable by the request deadline) within 3 poll intervals, its poller must be free
 * again, and it must come back by itself once the drip stops; a second, healthy Core stays online throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreInfo } from '../../src/shared/types.ts';
import { startHeadless, type Headless } from '../support/headless.ts';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { waitFor } from '../support/wait.ts';
import { invoke } from './support.ts';

const POLL_MS = 300;
let h: Headless;
let drip: TestCore;
let healthy: TestCore;

/** The last Cores list read, for the timeout messages. */
let lastCores: CoreInfo[] = [];
const cores = async (): Promise<CoreInfo[]> => (lastCores = ((await invoke(h.url, 'cores:list', [])).json as { value: CoreInfo[] }).value);
const core = async (id: string): Promise<CoreInfo> => (await cores()).find((c) => c.id === id)!;
const lastSeen = (what: string) => (): string => `${what}: ${JSON.stringify(lastCores)}`;

beforeAll(async () => {
  drip = await startTestCore({ coreId: 'drip', coreName: 'Drip', auth: false });
  healthy = await startTestCore({ coreId: 'ok', coreName: 'Healthy', auth: false });
  const dripId = new URL(drip.url).host;
  const okId = new URL(healthy.url).host;
  h = await startHeadless(['--no-persist', '--poll-interval', String(POLL_MS), '--core', drip.url, '--core', healthy.url]);
  await waitFor(async () => (await cores()).filter((c) => c.kind === 'remote' && c.state === 'online').length === 2, lastSeen('both Cores online'), 20_000);
  expect((await cores()).map((c) => c.id)).toEqual(expect.arrayContaining([dripId, okId]));
}, 40_000);

afterAll(async () => {
  await h?.stop();
  await drip?.close();
  await healthy?.close();
});

describe('a Core that drips its answer', () => {
  it('is shown not online within 3 poll intervals, the poll is abandoned by its deadline, and it recovers', async () => {
    const dripId = new URL(drip.url).host;
    const okId = new URL(healthy.url).host;
    /** The drip Core's info once `ok` holds. */
    const coreIn = (ok: (c: CoreInfo) => boolean) => async (): Promise<CoreInfo | false> => {
      const c = await core(dripId);
      return ok(c) && c;
    };
    drip.setFault({ kind: 'drip', delayMs: 2000 });
    const t0 = Date.now();
    const seen = await waitFor(coreIn((c) => c.state !== 'online'), lastSeen('the drip Core not online'), 10_000);
    const detectedMs = Date.now() - t0;
    console.log(`drip Core shown ${seen.state} after ${detectedMs} ms (${(detectedMs / POLL_MS).toFixed(1)} poll intervals, incl. the poll that was under way); reason: ${seen.lastError}`);
    expect(['stale', 'unreachable']).toContain(seen.state);
    expect(seen.lastError).toMatch(/no fresh answer|timeout/);
    // The dripping request is cut by the total deadline (10 s by default): the poller is free and backs off.
    const cut = await waitFor(coreIn((c) => c.state === 'unreachable'), lastSeen('the poll cut by its deadline'), 20_000);
    expect(cut.lastError).toMatch(/no complete answer within/);
    expect((await core(okId)).state).toBe('online');
    drip.setFault(undefined);
    await waitFor(coreIn((c) => c.state === 'online'), lastSeen('the drip Core online again'), 40_000);
    expect((await core(okId)).state).toBe('online');
  }, 90_000);
});
