/**
 * `{memfs}` with `--memfs-auth`: the process's HLS uploads carry the credentials (through the relay), and neither the
 * command nor the log the API shows carries the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../support/headless.ts';
import { waitFor } from '../../support/wait.ts';
import { waitForFfmpeg } from '../../support/children.ts';

describe('{memfs} behind --memfs-auth', { timeout: 60_000 }, () => {
  let h: Headless;
  beforeAll(async () => {
    await waitForFfmpeg();
    h = await startHeadless(['--srt', 'off', '--memfs-auth', 'writer:s3cret-pass']);
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('uploads HLS with the credentials and shows them to nobody', async () => {
    const res = await fetch(`${h.url}/api/v3/process`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'gen-hls',
        reference: 'gen',
        input: [{ address: 'testsrc=size=160x120:rate=10', options: ['-re', '-f', 'lavfi'] }],
        output: [{ address: '{memfs}/gen.m3u8', options: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'hls', '-hls_time', '1', '-method', 'PUT'] }],
        autostart: true,
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await fetch(`${h.url}/memfs/gen.m3u8`)).status === 200, 'the playlist in memfs', 20_000, 200);
    const state = await (await fetch(`${h.url}/api/v3/process/gen-hls/state`)).text();
    const report = await (await fetch(`${h.url}/api/v3/process/gen-hls/report`)).text();
    expect(state).toContain('http://***@127.0.0.1:');
    expect(state + report).not.toContain('s3cret-pass');
  });
});
