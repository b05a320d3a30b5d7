import { describe, expect, it } from 'vitest';
import { barFillPixels, drawTrayIcon, formatFigure, PALETTES, renderTrayIconPng, RX_BAR, TX_BAR, type TrayIconInput } from '../../../src/main/tray/icon.ts';
import { crc32, encodePng, createBitmap } from '../../../src/main/tray/png.ts';
import { decodePng, pixel } from './png-decode.ts';

const MAX = 100e6;
const TRANSPARENT = [0, 0, 0, 0];

function icon(over: Partial<TrayIconInput>) {
  const input: TrayIconInput = { rxBitsPerSec: 0, txBitsPerSec: 0, scaleMaxBitsPerSec: MAX, theme: 'dark', scaleFactor: 1, ...over };
  const png = renderTrayIconPng(input);
  const img = decodePng(png);
  // The encoder's output decodes back to exactly the drawn bitmap.
  expect(Buffer.from(img.data).equals(Buffer.from(drawTrayIcon(input).data))).toBe(true);
  return img;
}

/** How many device pixels of one bar row carry `color`. */
function run(img: ReturnType<typeof decodePng>, y: number, color: readonly number[]): number {
  let n = 0;
  for (let x = 0; x < img.width; x++) if (pixel(img, x, y).join() === color.join()) n++;
  return n;
}

describe('crc32 and the PNG encoder', () => {
  it('matches the standard CRC-32 check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });
  it('round-trips an arbitrary bitmap', () => {
    const bmp = createBitmap(3, 2);
    bmp.data.set([1, 2, 3, 4, 250, 251, 252, 253, 0, 0, 0, 255, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 1]);
    const img = decodePng(encodePng(bmp));
    expect([img.width, img.height]).toEqual([3, 2]);
    expect([...img.data]).toEqual([...bmp.data]);
  });
});

describe('tray icon pixels', () => {
  const dark = PALETTES.dark;
  const light = PALETTES.light;

  it('zero: figure "0" with its halo, empty tracks, transparent gap rows', () => {
    const img = icon({});
    expect([img.width, img.height]).toEqual([16, 16]);
    // "0" is 3 px wide centred at x = 6..8, rows 0..6: top row ###, middle rows #.#; the counter and a one-pixel
    // ring around the glyph are the halo.
    expect(pixel(img, 6, 0)).toEqual([...dark.text]);
    expect(pixel(img, 8, 6)).toEqual([...dark.text]);
    expect(pixel(img, 7, 3)).toEqual([...dark.halo]);
    expect(pixel(img, 5, 0)).toEqual([...dark.halo]);
    expect(pixel(img, 9, 7)).toEqual([...dark.halo]);
    expect(pixel(img, 4, 0)).toEqual(TRANSPARENT);
    for (const y of [8, 12]) expect(run(img, y, TRANSPARENT)).toBe(16);
    for (const y of [RX_BAR.top, RX_BAR.top + 2, TX_BAR.top, TX_BAR.top + 2]) expect(run(img, y, dark.track)).toBe(16);
  });

  it('half scale fills half of each bar, rx and tx independently', () => {
    const img = icon({ rxBitsPerSec: MAX / 2, txBitsPerSec: MAX / 4 });
    for (const y of [9, 10, 11]) {
      expect(run(img, y, dark.rx)).toBe(8);
      expect(pixel(img, 7, y)).toEqual([...dark.rx]);
      expect(pixel(img, 8, y)).toEqual([...dark.track]);
    }
    for (const y of [13, 14, 15]) expect(run(img, y, dark.tx)).toBe(4);
    expect(formatFigure(MAX * 0.75)).toBe('75');
  });

  it('full scale fills the bar in its own colour; over-scale switches to the warning colour', () => {
    const full = icon({ rxBitsPerSec: MAX, txBitsPerSec: MAX });
    expect(run(full, 10, dark.rx)).toBe(16);
    expect(run(full, 14, dark.tx)).toBe(16);
    const over = icon({ rxBitsPerSec: MAX * 3, txBitsPerSec: MAX / 2 });
    expect(run(over, 10, dark.over)).toBe(16);
    expect(run(over, 10, dark.rx)).toBe(0);
    expect(run(over, 14, dark.tx)).toBe(8);
  });

  it('2x doubles every coordinate and has twice the bar resolution', () => {
    const img = icon({ rxBitsPerSec: MAX / 2, txBitsPerSec: (MAX * 17) / 32, scaleFactor: 2 });
    expect([img.width, img.height]).toEqual([32, 32]);
    for (const y of [18, 23]) expect(run(img, y, dark.rx)).toBe(16);
    expect(run(img, 17, dark.rx)).toBe(0);
    expect(run(img, 24, dark.rx)).toBe(0);
    // 17/32 of the scale: 17 device pixels at 2x, where 1x can only show 8 or 9 logical pixels.
    for (const y of [26, 31]) expect(run(img, y, dark.tx)).toBe(17);
    // Figure "103" (103.125 Mbit/s) is 11 px wide at 1x (x = 2..12); the 1's top pixel is logical (3, 0),
    // so at 2x it is the 2×2 block (6..7, 0..1); its halo neighbours are 2×2 blocks too.
    expect(formatFigure(50e6 + (100e6 * 17) / 32)).toBe('103');
    for (const [x, y] of [[6, 0], [7, 0], [6, 1], [7, 1]]) expect(pixel(img, x, y)).toEqual([...dark.text]);
    for (const [x, y] of [[8, 0], [9, 1], [2, 0]]) expect(pixel(img, x, y)).toEqual([...dark.halo]);
    expect(pixel(img, 1, 0)).toEqual(TRANSPARENT);
  });

  it('light theme draws dark glyphs with a light halo and its own bar colours', () => {
    const img = icon({ rxBitsPerSec: MAX, txBitsPerSec: 0, theme: 'light' });
    expect(pixel(img, 3, 0)).toEqual([...light.text]); // "100": the 1's top pixel at x = 3
    expect(pixel(img, 4, 0)).toEqual([...light.halo]);
    expect(pixel(img, 0, 0)).toEqual(TRANSPARENT);
    expect(run(img, 10, light.rx)).toBe(16);
    expect(run(img, 14, light.track)).toBe(16);
    expect(run(img, 10, dark.rx)).toBe(0);
  });

  it('garbage rates read as zero, infinity as over-scale', () => {
    const img = icon({ rxBitsPerSec: Number.NaN, txBitsPerSec: -5 });
    expect(run(img, 10, dark.track)).toBe(16);
    expect(run(img, 14, dark.track)).toBe(16);
    expect(barFillPixels(Number.POSITIVE_INFINITY, MAX, 16)).toBe(16);
    expect(() => drawTrayIcon({ rxBitsPerSec: 0, txBitsPerSec: 0, scaleMaxBitsPerSec: 0, theme: 'dark', scaleFactor: 1 })).toThrow(RangeError);
  });
});

describe('figure text', () => {
  it.each([
    [0, '0'],
    [50_000, '0.1'],
    [4_540_000, '4.5'],
    [9_960_000, '10'],
    [123_400_000, '123'],
    [999_400_000, '999'],
    [999_600_000, '1.0G'],
    [12_300_000_000, '12G'],
    [5e15, '999G'],
  ])('%d bit/s -> %s', (bits, text) => {
    expect(formatFigure(bits)).toBe(text);
  });
});
