/**
 * The app icon, drawn by the project (no borrowed artwork): the tray gauge's motif (a play mark over the rx and tx
 * bars, in the tray's colours, src/main/tray/icon.ts) on a dark rounded square, rendered at any size by 4×4
 * supersampling and encoded with the tray's own PNG encoder (src/main/tray/png.ts). Writes everything the three
 * platforms' packages need into resources/: `npm run icons` (the files are committed; a test checks they match).
 *
 * - resources/icons/NxN.png for Linux (AppImage, deb: hicolor sizes 16…1024),
 * - resources/icon.ico for Windows (PNG-compressed entries 16…256, Vista and later),
 * - resources/icon.icns for macOS (PNG entries 16…1024, the 1× and 2× types),
 * - resources/icon.png (1024) as the fallback electron-builder reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PALETTES, type Rgba } from '../src/main/tray/icon.ts';
import { createBitmap, encodePng, type RgbaBitmap } from '../src/main/tray/png.ts';

/** Every size a platform asks for (px). */
export const ICON_SIZES_PX = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
/** Windows: an ICO entry's size is one byte (0 = 256), so 256 is the largest. */
export const ICO_SIZES_PX = [16, 24, 32, 48, 64, 128, 256] as const;
/** macOS icns entry types with the pixel size of their PNG. */
export const ICNS_TYPES: ReadonlyArray<readonly [type: string, sizePx: number]> = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

const BACKGROUND: Rgba = [24, 28, 34, 255];
const TRACK: Rgba = [58, 64, 74, 255];
const MARK: Rgba = [255, 255, 255, 255];

/** A shape in unit coordinates (0…1 across the icon): true where the point is inside. */
type Shape = (x: number, y: number) => boolean;

function roundedRect(x0: number, y0: number, x1: number, y1: number, r: number): Shape {
  return (x, y) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
}

function triangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape {
  const side = (px: number, py: number, qx: number, qy: number, x: number, y: number): number => (qx - px) * (y - py) - (qy - py) * (x - px);
  return (x, y) => {
    const d1 = side(ax, ay, bx, by, x, y);
    const d2 = side(bx, by, cx, cy, x, y);
    const d3 = side(cx, cy, ax, ay, x, y);
    return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
  };
}

/** Back to front: the later layer covers the earlier. */
const LAYERS: ReadonlyArray<readonly [Shape, Rgba]> = [
  [roundedRect(0.06, 0.06, 0.94, 0.94, 0.2), BACKGROUND],
  [triangle(0.4, 0.17, 0.4, 0.45, 0.64, 0.31), MARK],
  [roundedRect(0.2, 0.54, 0.8, 0.65, 0.04), TRACK],
  [roundedRect(0.2, 0.54, 0.66, 0.65, 0.04), PALETTES.dark.rx],
  [roundedRect(0.2, 0.72, 0.8, 0.83, 0.04), TRACK],
  [roundedRect(0.2, 0.72, 0.52, 0.83, 0.04), PALETTES.dark.tx],
];

const SAMPLES = 4;

/** The icon at `sizePx` × `sizePx`, anti-aliased (straight alpha). */
export function drawAppIcon(sizePx: number): RgbaBitmap {
  const bmp = createBitmap(sizePx, sizePx);
  for (let py = 0; py < sizePx; py++) {
    for (let px = 0; px < sizePx; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / sizePx;
          const y = (py + (sy + 0.5) / SAMPLES) / sizePx;
          let color: Rgba | null = null;
          for (const [inside, c] of LAYERS) if (inside(x, y)) color = c;
          if (color) {
            r += color[0];
            g += color[1];
            b += color[2];
            a += 255;
          }
        }
      }
      const n = SAMPLES * SAMPLES;
      const covered = a / 255;
      const i = (py * sizePx + px) * 4;
      if (covered > 0) {
        bmp.data[i] = Math.round(r / covered);
        bmp.data[i + 1] = Math.round(g / covered);
        bmp.data[i + 2] = Math.round(b / covered);
        bmp.data[i + 3] = Math.round(a / n);
      }
    }
  }
  return bmp;
}

/** An ICO file of PNG entries (each `[sizePx, png]`, sizePx ≤ 256). */
export function encodeIco(entries: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  const header = Buffer.alloc(6 + 16 * entries.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(entries.length, 4);
  let offset = header.length;
  entries.forEach(([sizePx, png], i) => {
    if (sizePx > 256) throw new RangeError('an ICO entry is at most 256 px');
    const at = 6 + 16 * i;
    header[at] = sizePx === 256 ? 0 : sizePx;
    header[at + 1] = sizePx === 256 ? 0 : sizePx;
    header[at + 2] = 0; // no palette
    header[at + 3] = 0;
    header.writeUInt16LE(1, at + 4); // planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...entries.map(([, png]) => png)]);
}

/** An ICNS file: the 'icns' header, then one `type, length, PNG` block per entry (lengths big-endian, with headers). */
export function encodeIcns(entries: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  const blocks = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + blocks.reduce((n, b) => n + b.length, 0), 4);
  return Buffer.concat([head, ...blocks]);
}

/** Every icon file, by path relative to resources/. */
export function renderIconFiles(): Map<string, Buffer> {
  const png = new Map<number, Buffer>();
  for (const size of ICON_SIZES_PX) png.set(size, encodePng(drawAppIcon(size)));
  const files = new Map<string, Buffer>();
  for (const size of ICON_SIZES_PX) files.set(`icons/${size}x${size}.png`, png.get(size)!);
  files.set('icon.png', png.get(1024)!);
  files.set('icon.ico', encodeIco(ICO_SIZES_PX.map((s) => [s, png.get(s)!] as const)));
  files.set('icon.icns', encodeIcns(ICNS_TYPES.map(([type, s]) => [type, png.get(s)!] as const)));
  return files;
}

/** resources/ beside package.json. */
export const RESOURCES_DIR = resolve(import.meta.dirname, '..', 'resources');

if (import.meta.main) {
  for (const [path, bytes] of renderIconFiles()) {
    const file = join(RESOURCES_DIR, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    process.stdout.write(`${path} ${bytes.length} bytes\n`);
  }
}
