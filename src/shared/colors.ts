/**
 * The rx and tx colours, one hue each everywhere: the dashboard's lines and the tray icon's bars (issue 16). Each
 * has a variant for light backgrounds and one for dark ones; the hex form is for CSS and chart.js, the RGB triple
 * for the tray's bitmap.
 */
export interface TrafficColor {
  /** On a light background (the page's light theme, a light menu bar). */
  onLight: string;
  /** On a dark background (the page's dark theme, a dark menu bar). */
  onDark: string;
}

/** Received bits: blue. */
export const RX_COLOR: TrafficColor = { onLight: '#2f7de1', onDark: '#5b9cf0' };
/** Sent bits: orange. */
export const TX_COLOR: TrafficColor = { onLight: '#e8772e', onDark: '#f0924f' };

/** `#rrggbb` as [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
