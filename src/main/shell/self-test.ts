import type { Logger } from '../log.ts';

/** What `runSelfTest` watches and how it ends the app. */
export interface SelfTestOptions {
  /** True once the page said `app:ready` (the preload's bridge works, the page's script ran under its CSP). */
  isReady: () => boolean;
  /** The window's current URL. */
  pageUrl: () => string;
  /** The URL the page must have (app://core-sessions/index.html). */
  expectedUrl: string;
  log: Logger;
  /** Ends the app with an exit code (0 passed, 1 failed). */
  finish: (code: number) => void;
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * `--self-test`: the last check of a packaged build on a real desktop (`npm run check:desktop`), which no test here can
 * make without the Electron binary. Passes when the real window has loaded the page from the app's own scheme out of
 * the asar and the page has called back over IPC; then the app quits with 0. Anything else within the deadline: 1.
 */
export function runSelfTest(options: SelfTestOptions): void {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const timer = setInterval(() => {
    if (options.isReady() && options.pageUrl() === options.expectedUrl) {
      clearInterval(timer);
      options.log.info('self-test passed: the page loaded from the app scheme and answered over IPC', { url: options.pageUrl() });
      options.finish(0);
    } else if (Date.now() > deadline) {
      clearInterval(timer);
      options.log.error('self-test failed: the page did not load or did not call app:ready in time', { url: options.pageUrl(), ready: options.isReady() });
      options.finish(1);
    }
  }, options.pollMs ?? 200);
}
