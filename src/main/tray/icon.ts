import { hexToRgb, RX_COLOR, TX_COLOR } from '../../shared/colors.ts';
import { GLYPHS, GLYPH_HEIGHT, textWidth } from './font.ts';
import { createBitmap, encodePng, type RgbaBitmap } from './png.ts';

/**
 * The tray icon: a pure function from numbers to pixels, so it is tested under Node without Electron.
 *
 * Layout in logical pixels (16×16; every coordinate doubles at scale factor 2):
 * - rows 0–4: the total (rx + tx) in Mbit/s (1 Mbit = 10^6 bit, see docs/decisions.md) in a 3×5 pixel font, centred;
 * - rows 7–10: the rx bar, rows 12–15: the tx bar, filled from the left in proportion to `scaleMaxBitsPerSec`
 *   over a faint track; a value above the maximum fills the bar in the over-scale colour.
 * The background is transparent.
 */
export interface TrayIconInput {
  rxBitsPerSec: number;
  txBitsPerSec: number;
  /** The rate that fills a bar; must be > 0. */
  scaleMaxBitsPerSec: number;
  /** `dark`: the icon sits on a dark tray/menu bar (light glyphs); `light`: on a light one (dark glyphs). */
  theme: 'dark' | 'light';
  scaleFactor: 1 | 2;
}

export type Rgba = readonly [number, number, number, number];

export interface IconPalette {
  text: Rgba;
  track: Rgba;
  rx: Rgba;
  tx: Rgba;
  over: Rgba;
}

/**
 * Colours per theme; exported so tests and docs name them rather than repeat numbers. rx and tx are the dashboard's
 * hues (src/shared/colors.ts): blue in, orange out.
 */
export const PALETTES: Readonly<Record<TrayIconInput['theme'], IconPalette>> = {
  dark: { text: [255, 255, 255, 255], track: [255, 255, 255, 72], rx: [...hexToRgb(RX_COLOR.onDark), 255], tx: [...hexToRgb(TX_COLOR.onDark), 255], over: [231, 76, 60, 255] },
  light: { text: [0, 0, 0, 255], track: [0, 0, 0, 72], rx: [...hexToRgb(RX_COLOR.onLight), 255], tx: [...hexToRgb(TX_COLOR.onLight), 255], over: [192, 57, 43, 255] },
};

export const ICON_SIZE = 16;
export const TEXT_TOP = 0;
export const RX_BAR = { top: 7, height: 4 } as const;
export const TX_BAR = { top: 12, height: 4 } as const;

/** A finite, non-negative rate; NaN, negatives and infinities from a confused source read as 0 / full scale. */
function sane(bitsPerSec: number): number {
  if (Number.isNaN(bitsPerSec) || bitsPerSec < 0) return 0;
  return bitsPerSec;
}

/**
 * The figure drawn on top: total Mbit/s with one decimal below 10, whole numbers below 1000, then Gbit/s with a
 * trailing `G` ("1.5G", "12G"); at most 4 glyphs so it always fits 16 pixels.
 */
export function formatFigure(totalBitsPerSec: number): string {
  const mbit = sane(totalBitsPerSec) / 1e6;
  if (mbit === 0) return '0';
  if (mbit < 9.95) return mbit.toFixed(1);
  if (mbit < 999.5) return String(Math.round(mbit));
  const gbit = mbit / 1000;
  if (gbit < 9.95) return gbit.toFixed(1) + 'G';
  if (gbit < 999.5) return String(Math.round(gbit)) + 'G';
  return '999G';
}

function fillRect(bmp: RgbaBitmap, x0: number, y0: number, w: number, h: number, color: Rgba): void {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      if (x < 0 || y < 0 || x >= bmp.width || y >= bmp.height) continue;
      const i = (y * bmp.width + x) * 4;
      bmp.data[i] = color[0];
      bmp.data[i + 1] = color[1];
      bmp.data[i + 2] = color[2];
      bmp.data[i + 3] = color[3];
    }
  }
}

/** Device pixels of a bar's fill: proportional, rounded, clamped to the bar's width. */
export function barFillPixels(bitsPerSec: number, scaleMaxBitsPerSec: number, widthPx: number): number {
  const v = sane(bitsPerSec);
  if (v >= scaleMaxBitsPerSec) return widthPx;
  return Math.min(widthPx, Math.round((v / scaleMaxBitsPerSec) * widthPx));
}

function drawBar(bmp: RgbaBitmap, s: number, bar: { top: number; height: number }, bitsPerSec: number, max: number, color: Rgba, pal: IconPalette): void {
  const width = ICON_SIZE * s;
  const fill = barFillPixels(bitsPerSec, max, width);
  const over = sane(bitsPerSec) > max;
  fillRect(bmp, 0, bar.top * s, width, bar.height * s, pal.track);
  fillRect(bmp, 0, bar.top * s, fill, bar.height * s, over ? pal.over : color);
}

function drawText(bmp: RgbaBitmap, s: number, text: string, color: Rgba): void {
  let x = Math.floor((ICON_SIZE - textWidth(text)) / 2);
  for (const ch of text) {
    const glyph = GLYPHS[ch];
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < glyph[row].length; col++) {
        if (glyph[row][col] === '#') fillRect(bmp, (x + col) * s, (TEXT_TOP + row) * s, s, s, color);
      }
    }
    x += glyph[0].length + 1;
  }
}

/** Draws the icon as an RGBA bitmap of (16 × scaleFactor)² pixels. */
export function drawTrayIcon(input: TrayIconInput): RgbaBitmap {
  const s = input.scaleFactor;
  if (s !== 1 && s !== 2) throw new RangeError(`scaleFactor must be 1 or 2, got ${String(s)}`);
  if (!(input.scaleMaxBitsPerSec > 0) || !Number.isFinite(input.scaleMaxBitsPerSec)) {
    throw new RangeError('scaleMaxBitsPerSec must be a positive finite number');
  }
  const pal = PALETTES[input.theme];
  const bmp = createBitmap(ICON_SIZE * s, ICON_SIZE * s);
  drawText(bmp, s, formatFigure(sane(input.rxBitsPerSec) + sane(input.txBitsPerSec)), pal.text);
  drawBar(bmp, s, RX_BAR, input.rxBitsPerSec, input.scaleMaxBitsPerSec, pal.rx, pal);
  drawBar(bmp, s, TX_BAR, input.txBitsPerSec, input.scaleMaxBitsPerSec, pal.tx, pal);
  return bmp;
}

/** The icon as PNG bytes, ready for `nativeImage.createFromBuffer(png, { scaleFactor })`. */
export function renderTrayIconPng(input: TrayIconInput): Buffer {
  return encodePng(drawTrayIcon(input));
}
