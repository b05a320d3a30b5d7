/**
 * The page's Content-Security-Policy. It must equal the `<meta http-equiv="Content-Security-Policy">` of
 * src/renderer/index.html (a unit test checks it): the web bridge sends it as a header so that the page served at
 * /ui/ is exactly as locked down in a browser as in the Electron window. `script-src 'self'`: no inline scripts.
 */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
