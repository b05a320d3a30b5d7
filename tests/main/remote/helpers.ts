/** Shared settings of the remote-Core tests. */
export const SHORT_TIMEOUTS = { connectTimeoutMs: 1000, requestTimeoutMs: 800, loginTimeoutMs: 8000, keepAliveTimeoutMs: 10_000 };
