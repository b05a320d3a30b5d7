/** Shared settings and setup of the remote-Core tests. */
import { afterEach } from 'vitest';
import type { RemotePoller } from '../../../src/main/remote/poller.ts';
import type { TestCore } from '../../support/test-core.ts';

export const SHORT_TIMEOUTS = { connectTimeoutMs: 1000, requestTimeoutMs: 800, loginTimeoutMs: 8000, keepAliveTimeoutMs: 10_000 };

/** A test's test Core and its poller, which `pollerTestSetup` stops and closes after each test. */
export interface PollerTest {
  core?: TestCore;
  poller?: RemotePoller;
}

/**
 * Call at a test file's top level: the returned holder's poller is stopped, then its test Core closed, after each
 * test, and both are forgotten.
 */
export function pollerTestSetup(): PollerTest {
  const held: PollerTest = {};
  afterEach(async () => {
    await held.poller?.stop();
    await held.core?.close();
    held.poller = held.core = undefined;
  });
  return held;
}
