import { Menu, nativeImage, nativeTheme, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Snapshot } from '../../shared/types.ts';
import type { SessionSource } from '../source.ts';
import { formatFigure, renderTrayIconPng, type TrayIconInput } from '../tray/icon.ts';
import { GaugeScale, trayMenuModel, trayTooltip, trayTotals, type TrayMenuItem } from '../tray/model.ts';

export interface AppTrayOptions {
  source: SessionSource;
  onOpen: () => void;
  onExport: (what: 'sessions' | 'history') => void;
  onQuit: () => void;
  /** Pausing remote polling (the fleet's pause/resume); without it the menu item is disabled. */
  polling?: { isPaused(): boolean; setPaused(paused: boolean): void };
  /** A fixed full scale for the gauge (e.g. the max bitrate setting); 0 = follow the last minute's peak. */
  fixedScaleBitsPerSec?: number;
}

export interface AppTray {
  /** Redraws from a snapshot now (called on every source update, i.e. once a second). */
  update(snapshot: Snapshot): void;
  destroy(): void;
}

/** Both resolutions in one image, so the OS picks the right one for the display (1x and 2x). */
function iconImage(input: Omit<TrayIconInput, 'scaleFactor'>): NativeImage {
  const image = nativeImage.createFromBuffer(renderTrayIconPng({ ...input, scaleFactor: 1 }), { scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, buffer: renderTrayIconPng({ ...input, scaleFactor: 2 }) });
  return image;
}

/**
 * The tray: the bandwidth gauge icon, a tooltip with rx/tx and sessions per core, and the menu. The icon, tooltip
 * and menu are rebuilt only when they change: rebuilding an open context menu every second would close it on some
 * platforms, so the menu shows core states (which change rarely), and the counts live in the tooltip.
 */
export function createAppTray(options: AppTrayOptions): AppTray {
  const scale = new GaugeScale(options.fixedScaleBitsPerSec ?? 0);
  const theme = (): TrayIconInput['theme'] => (nativeTheme.shouldUseDarkColors ? 'dark' : 'light');
  const first = { rxBitsPerSec: 0, txBitsPerSec: 0, scaleMaxBitsPerSec: 10e6, theme: theme() };
  const tray = new Tray(iconImage(first));
  let iconKey = '';
  let title = '';
  let tooltip = '';
  let menuKey = '';
  let last: Snapshot | null = null;

  function toMenuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    switch (item.kind) {
      case 'open':
        return { label: item.label, click: options.onOpen };
      case 'core':
        return { label: item.label, enabled: false };
      case 'pause':
        return {
          label: item.label,
          type: 'checkbox',
          checked: item.checked,
          enabled: options.polling !== undefined,
          click: (menuItem) => {
            options.polling?.setPaused(menuItem.checked);
            if (last) update(last);
          },
        };
      case 'export':
        return { label: item.label, click: () => options.onExport(item.what) };
      case 'quit':
        return { label: item.label, click: options.onQuit };
      case 'separator':
        return { type: 'separator' };
    }
  }

  function update(snapshot: Snapshot): void {
    if (tray.isDestroyed()) return;
    last = snapshot;
    const totals = trayTotals(snapshot);
    const paused = options.polling?.isPaused() ?? false;
    const max = scale.update(totals.rxBitsPerSec, totals.txBitsPerSec);
    const input = { rxBitsPerSec: totals.rxBitsPerSec, txBitsPerSec: totals.txBitsPerSec, scaleMaxBitsPerSec: max, theme: theme() };
    // The PNGs are tiny; comparing them is cheaper than handing Electron a new image every second.
    const key = renderTrayIconPng({ ...input, scaleFactor: 1 }).toString('base64');
    if (key !== iconKey) {
      iconKey = key;
      tray.setImage(iconImage(input));
    }
    // macOS has a text title beside the icon: the figure in the system font reads better than 3×7 pixel digits.
    if (process.platform === 'darwin') {
      const t = `${formatFigure(totals.rxBitsPerSec + totals.txBitsPerSec)} Mbit/s`;
      if (t !== title) {
        title = t;
        tray.setTitle(t, { fontType: 'monospacedDigit' });
      }
    }
    const tip = trayTooltip(totals, paused);
    if (tip !== tooltip) {
      tooltip = tip;
      tray.setToolTip(tip);
    }
    const model = trayMenuModel(totals, paused);
    const mk = JSON.stringify(model);
    if (mk !== menuKey) {
      menuKey = mk;
      tray.setContextMenu(Menu.buildFromTemplate(model.map(toMenuItem)));
    }
  }

  tray.on('click', () => options.onOpen());
  const off = options.source.onUpdate(update);
  const onTheme = (): void => {
    iconKey = '';
    if (last) update(last);
  };
  nativeTheme.on('updated', onTheme);
  update(options.source.snapshot());

  return {
    update,
    destroy() {
      off();
      nativeTheme.removeListener('updated', onTheme);
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
