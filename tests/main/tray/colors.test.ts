import { describe, expect, it } from 'vitest';
import { hexToRgb, RX_COLOR, TX_COLOR } from '../../../src/shared/colors.ts';
import { PALETTES } from '../../../src/main/tray/icon.ts';
import { PALETTE } from '../../../src/renderer/src/charts/register.ts';

describe('rx and tx colours agree between the dashboard and the tray', () => {
  it('uses one hue each', () => {
    expect(PALETTE[0]).toBe(RX_COLOR.onLight);
    expect(PALETTE[1]).toBe(TX_COLOR.onLight);
    expect(PALETTES.light.rx.slice(0, 3)).toEqual(hexToRgb(RX_COLOR.onLight));
    expect(PALETTES.light.tx.slice(0, 3)).toEqual(hexToRgb(TX_COLOR.onLight));
    expect(PALETTES.dark.rx.slice(0, 3)).toEqual(hexToRgb(RX_COLOR.onDark));
    expect(PALETTES.dark.tx.slice(0, 3)).toEqual(hexToRgb(TX_COLOR.onDark));
    expect(hexToRgb('#2f7de1')).toEqual([0x2f, 0x7d, 0xe1]);
  });
});
