import { hexToRgb, RX_COLOR, TX_COLOR } from '../../shared/colors.ts';
import { GLYPHS, GLYPH_HEIGHT, textWidth } from './font.ts';
import { createBitmap, encodePng, type RgbaBitmap } from './png.ts';

/**
 * The tray icon: a pure function from numbers to pixels, so it is tested under Node without Electron.
 *
 * Layout in logical pixels (16×16; every coordinate doubles at scale factor 2):
 * - rows 0–6: the total (rx + tx) in Mbit/s (1 Mbit = 10^6 bit, see docs/decisions.md) in a 3×7 pixel font, centred,
 *   ringed by a one-pixel halo in the opposite colour (row 7 holds the halo below it);
 * - rows 9–11: the rx bar, rows 13–15: the tx bar, filled from the left in proportion to `scaleMaxBitsPerSec`
 *   over a faint track; a value above the maximum fills the bar in the over-scale colour.
 * The background is transparent. The halo is why the digits read on any panel: the theme says whether the app is
 * dark, not what colour the panel behind the icon is (a dark GNOME top bar with a light theme, a light Windows
 * taskbar with dark apps); white digits with a dark ring, or dark digits with a light ring, keep their contrast on
 * both (tests/main/tray/icon.test.ts composites the icon on light and dark panels and checks it).
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
  /** The ring around the digits: the text's opposite, mostly opaque. */
  halo: Rgba;
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
  dark: { text: [255, 255, 255, 255], halo: [0, 0, 0, 200], track: [255, 255, 255, 72], rx: [...hexToRgb(RX_COLOR.onDark), 255], tx: [...hexToRgb(TX_COLOR.onDark), 255], over: [231, 76, 60, 255] },
  light: { text: [0, 0, 0, 255], halo: [255, 255, 255, 200], track: [0, 0, 0, 72], rx: [...hexToRgb(RX_COLOR.onLight), 255], tx: [...hexToRgb(TX_COLOR.onLight), 255], over: [192, 57, 43, 255] },
};

export const ICON_SIZE = 16;
export const TEXT_TOP = 0;
export const RX_BAR = { top: 9, height: 3 } as const;
export const TX_BAR = { top: 13, height: 3 } as const;

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

/** The figure's pixels (logical, row-major 16×16): 1 = glyph, 2 = halo (a glyph pixel's 8 neighbours), 0 = none. */
export function figureMask(text: string): Uint8Array {
  const mask = new Uint8Array(ICON_SIZE * ICON_SIZE);
  let x = Math.floor((ICON_SIZE - textWidth(text)) / 2);
  for (const ch of text) {
    const glyph = GLYPHS[ch]!;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < glyph[row]!.length; col++) {
        const px = x + col;
        if (glyph[row]![col] === '#' && px >= 0 && px < ICON_SIZE) mask[(TEXT_TOP + row) * ICON_SIZE + px] = 1;
      }
    }
    x += glyph[0]!.length + 1;
  }
  for (let y = 0; y < ICON_SIZE; y++) {
    for (let x2 = 0; x2 < ICON_SIZE; x2++) {
      if (mask[y * ICON_SIZE + x2] !== 1) continue;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [x2 + dx, y + dy];
          if (nx >= 0 && ny >= 0 && nx < ICON_SIZE && ny < ICON_SIZE && mask[ny * ICON_SIZE + nx] === 0) mask[ny * ICON_SIZE + nx] = 2;
        }
      }
    }
  }
  return mask;
}

function drawText(bmp: RgbaBitmap, s: number, text: string, pal: IconPalette): void {
  const mask = figureMask(text);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) fillRect(bmp, (i % ICON_SIZE) * s, Math.floor(i / ICON_SIZE) * s, s, s, mask[i] === 1 ? pal.text : pal.halo);
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
  drawText(bmp, s, formatFigure(sane(input.rxBitsPerSec) + sane(input.txBitsPerSec)), pal);
  drawBar(bmp, s, RX_BAR, input.rxBitsPerSec, input.scaleMaxBitsPerSec, pal.rx, pal);
  drawBar(bmp, s, TX_BAR, input.txBitsPerSec, input.scaleMaxBitsPerSec, pal.tx, pal);
  return bmp;
}

/** The icon as PNG bytes, ready for `nativeImage.createFromBuffer(png, { scaleFactor })`. */
export function renderTrayIconPng(input: TrayIconInput): Buffer {
  return encodePng(drawTrayIcon(input));
}
