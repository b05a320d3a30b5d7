/**
 * The app icon files in resources/ are the project's own drawing (build/icons.ts), byte for byte, at every size the
 * three platforms' packages need, in formats their tools read: PNGs of the stated size, an ICO whose directory points
 * at PNG entries 16…256, an ICNS whose blocks are PNGs of each type's size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawAppIcon, ICNS_TYPES, ICO_SIZES_PX, ICON_SIZES_PX, RESOURCES_DIR, renderIconFiles } from '../../build/icons.ts';
import { PNG_SIGNATURE } from '../../src/main/tray/png.ts';

const rendered = renderIconFiles();
const pngSize = (png: Buffer): [number, number] => {
  expect(png.subarray(0, 8).equals(Buffer.from(PNG_SIGNATURE))).toBe(true);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
};

describe('app icon (resources/, drawn by build/icons.ts)', () => {
  it('the committed files are what `npm run icons` draws', () => {
    for (const [path, bytes] of rendered) expect(readFileSync(join(RESOURCES_DIR, path)).equals(bytes), path).toBe(true);
  });

  it('PNGs at 16…1024 px for Linux, with a transparent corner and an opaque centre', () => {
    for (const size of ICON_SIZES_PX) expect(pngSize(rendered.get(`icons/${size}x${size}.png`)!)).toEqual([size, size]);
    expect(pngSize(rendered.get('icon.png')!)).toEqual([1024, 1024]);
    for (const size of [16, 256]) {
      const bmp = drawAppIcon(size);
      const alpha = (x: number, y: number): number => bmp.data[(y * size + x) * 4 + 3]!;
      expect(alpha(0, 0)).toBe(0);
      expect(alpha(size / 2, size / 2)).toBe(255);
    }
  });

  it('icon.ico: an icon directory of PNG entries 16…256', () => {
    const ico = rendered.get('icon.ico')!;
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, ICO_SIZES_PX.length]);
    ICO_SIZES_PX.forEach((size, i) => {
      const at = 6 + 16 * i;
      expect(ico[at] === 0 ? 256 : ico[at]).toBe(size);
      const length = ico.readUInt32LE(at + 8);
      const offset = ico.readUInt32LE(at + 12);
      expect(pngSize(ico.subarray(offset, offset + length))).toEqual([size, size]);
    });
  });

  it('icon.icns: every block a PNG of its type’s size, lengths adding up', () => {
    const icns = rendered.get('icon.icns')!;
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const seen: Array<[string, number]> = [];
    for (let at = 8; at < icns.length; ) {
      const type = icns.toString('latin1', at, at + 4);
      const length = icns.readUInt32BE(at + 4);
      seen.push([type, pngSize(icns.subarray(at + 8, at + length))[0]]);
      at += length;
    }
    expect(seen).toEqual(ICNS_TYPES.map(([t, s]) => [t, s]));
  });
});
