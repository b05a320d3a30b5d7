/**
 * Tray digits legibility (issue 16) on Linux and Windows, where the icon's pixels are all there is (macOS shows the
 * figure as the tray title). The rendered PNG is decoded, the figure is read back glyph by glyph from the digit
 * pixels, and the icon is composited on light and dark panels, in both themes, to check every digit pixel against
 * the pixels around it by the WCAG contrast ratio.
 */
import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, GLYPHS } from '../../../src/main/tray/font.ts';
import { formatFigure, ICON_SIZE, PALETTES, renderTrayIconPng, type Rgba, type TrayIconInput } from '../../../src/main/tray/icon.ts';
import { decodePng, pixel } from './png-decode.ts';

type Img = ReturnType<typeof decodePng>;

/** Panel colours behind a tray icon: GNOME's dark top bar, KDE/Windows light taskbars, a mid-grey theme. */
const PANELS: Record<string, readonly [number, number, number]> = { dark: [0x1e, 0x1e, 0x1e], light: [0xf2, 0xf2, 0xf2], grey: [0x80, 0x80, 0x80] };

/** WCAG relative luminance of an sRGB colour. */
function luminance([r, g, b]: readonly number[]): number {
  const lin = (c: number): number => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

function contrast(a: readonly number[], b: readonly number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The pixel as the user sees it: alpha-composited over the panel. */
function over(p: readonly number[], panel: readonly number[]): number[] {
  const a = p[3]! / 255;
  return [0, 1, 2].map((i) => Math.round(p[i]! * a + panel[i]! * (1 - a)));
}

function render(input: Partial<TrayIconInput>): Img {
  return decodePng(renderTrayIconPng({ rxBitsPerSec: 0, txBitsPerSec: 0, scaleMaxBitsPerSec: 100e6, theme: 'dark', scaleFactor: 1, ...input }));
}

const same = (p: readonly number[], c: Rgba): boolean => p.join() === c.join();

/**
 * Reads the figure back from the pixels: the digit colour's pixels of the text rows, at logical resolution, split
 * into glyphs at empty columns and matched against the font. Throws on a shape that is no glyph.
 */
function readFigure(img: Img, text: Rgba): string {
  const s = img.width / ICON_SIZE;
  const ink = (x: number, y: number): boolean => same(pixel(img, x * s, y * s), text);
  const columns = Array.from({ length: ICON_SIZE }, (_, x) => Array.from({ length: GLYPH_HEIGHT }, (_, y) => (ink(x, y) ? '#' : '.')));
  const out: string[] = [];
  let x = 0;
  while (x < ICON_SIZE) {
    if (!columns[x]!.includes('#')) {
      x++;
      continue;
    }
    let end = x;
    while (end < ICON_SIZE && columns[end]!.includes('#')) end++;
    const rows = Array.from({ length: GLYPH_HEIGHT }, (_, y) => columns.slice(x, end).map((c) => c[y]).join(''));
    // '1' has an empty column on its right edge when followed by a glyph: pad to the font's widths before matching.
    const match = Object.entries(GLYPHS).find(([, g]) => g[0]!.length >= rows[0]!.length && g.every((row, y) => row.startsWith(rows[y]!) && !row.slice(rows[y]!.length).includes('#')));
    if (!match) throw new Error(`no glyph looks like ${rows.join('/')}`);
    out.push(match[0]);
    x = end;
  }
  return out.join('');
}

describe('tray digits legibility', () => {
  const rates = [0, 4_540_000, 75e6, 103_125_000, 888e6, 1.5e9, 12.3e9, 5e15];

  it.each(['dark', 'light'] as const)('the figure reads back from the digit pixels at 1x and 2x (%s theme)', (theme) => {
    for (const scaleFactor of [1, 2] as const) {
      for (const bits of rates) {
        const img = render({ theme, scaleFactor, rxBitsPerSec: bits / 2, txBitsPerSec: bits / 2 });
        expect(readFigure(img, PALETTES[theme].text), `${bits} bit/s at ${scaleFactor}x`).toBe(formatFigure(bits));
      }
    }
  });

  it('digits are 7 logical pixels tall and fit the icon at their widest ("999G")', () => {
    const img = render({ rxBitsPerSec: 5e15 });
    const rowsWithInk = Array.from({ length: ICON_SIZE }, (_, y) => Array.from({ length: ICON_SIZE }, (_, x) => same(pixel(img, x, y), PALETTES.dark.text)).some(Boolean));
    expect(rowsWithInk.filter(Boolean).length).toBe(7);
    expect(rowsWithInk.slice(0, 7).every(Boolean)).toBe(true);
    expect(readFigure(img, PALETTES.dark.text)).toBe('999G');
  });

  it.each(['dark', 'light'] as const)('every digit pixel contrasts ≥ 4.5:1 with the pixels beside it on light, grey and dark panels (%s theme)', (theme) => {
    for (const [panelName, panel] of Object.entries(PANELS)) {
      for (const bits of rates) {
        const img = render({ theme, rxBitsPerSec: bits });
        let worst = Infinity;
        let edges = 0;
        for (let y = 0; y < ICON_SIZE; y++) {
          for (let x = 0; x < ICON_SIZE; x++) {
            if (!same(pixel(img, x, y), PALETTES[theme].text)) continue;
            for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
              const [nx, ny] = [x + dx, y + dy];
              if (nx < 0 || ny < 0 || nx >= ICON_SIZE || ny >= ICON_SIZE || same(pixel(img, nx, ny), PALETTES[theme].text)) continue;
              worst = Math.min(worst, contrast(over(pixel(img, x, y), panel), over(pixel(img, nx, ny), panel)));
              edges++;
            }
          }
        }
        expect(edges, `${theme} theme on the ${panelName} panel, ${bits} bit/s`).toBeGreaterThan(0);
        expect(worst, `${theme} theme on the ${panelName} panel, ${bits} bit/s`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
