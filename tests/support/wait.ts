/** Waiting in tests: the one polling helper (bounded, says what it waited for) and a plain sleep. */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What `waitFor` treats as "not yet". */
type NotYet = null | undefined | false | 0 | '';

/**
 * Polls `check` every `everyMs` until it returns a truthy value, and returns that value. A check that throws counts
 * as "not yet" (a server still starting, a page still rendering). After `timeoutMs` it throws
 * `timed out after N ms waiting for <what>`, with the last error thrown; `what` may be a function, evaluated then,
 * to name the state the test was left in.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<Exclude<T, NotYet>> {
  const deadlineMs = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, NotYet>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadlineMs) {
      const named = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}${lastError === undefined ? '' : `: ${String(lastError)}`}`);
    }
    await sleep(everyMs);
  }
}
