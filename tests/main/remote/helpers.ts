/** Shared helpers of the remote-Core tests. */
export async function waitFor(cond: () => boolean, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const SHORT_TIMEOUTS = { connectTimeoutMs: 1000, requestTimeoutMs: 800, loginTimeoutMs: 8000, keepAliveTimeoutMs: 10_000 };
