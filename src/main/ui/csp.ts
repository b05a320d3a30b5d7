/**
 * The page's Content-Security-Policy, sent as a header by the web bridge (headless mode) so that the page served at
 * /ui/ is exactly as locked down in a browser as in the Electron window (which sends the same header,
 * src/main/shell/protocol.ts). `script-src 'self'`: no inline scripts; `worker-src 'self'`: the sessions worker
 * (src/renderer/src/store/sessions.worker.ts), from the page's own origin only.
 */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The `<meta http-equiv="Content-Security-Policy">` of src/renderer/index.html (a unit test checks it): the header
 * without `frame-ancestors`, which a meta tag cannot carry (browsers ignore it there and log an error on every load).
 */
export const UI_CSP_META = UI_CSP.replace(/;\s*frame-ancestors [^;]*/, '');
