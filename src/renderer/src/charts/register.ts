import { RX_COLOR, TX_COLOR } from '../../../shared/colors.ts';
import { Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

/** chart.js is tree-shaken: only what the line charts use is registered, once. */
let registered = false;
export function registerCharts(): void {
  if (registered) return;
  registered = true;
  Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip);
}

/** Line colours that read on light and dark backgrounds; the first two are rx and tx everywhere (and in the tray). */
export const PALETTE = [RX_COLOR.onLight, TX_COLOR.onLight, '#2aa876', '#c04fc7', '#d6b30a', '#e0475b', '#36a9c9', '#8a6cf0', '#7a8b2f', '#b86b4b'];
