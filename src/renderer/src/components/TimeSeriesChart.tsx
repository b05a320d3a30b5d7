import { useEffect, useRef } from 'react';
import { Chart, type ChartDataset, type Plugin } from 'chart.js';
import type { TimeseriesGap, TimeseriesMissingCore } from '../../../shared/timeseries.ts';
import { registerCharts } from '../charts/register.ts';
import { applyNiceScale, type ScaleKind, type YAxisOptions } from '../charts/ticks.ts';
import { missingFill, shadeStretches, themeColor } from '../charts/shade.ts';
import { formatDateTime, formatTick, timeTicks } from '../timeseries/range.ts';

export interface TimeLine {
  label: string;
  color: string;
  /** y values aligned with `atMs` (null: not observed, drawn as a gap). */
  values: readonly (number | null)[];
  dashed?: boolean;
}

interface Props {
  atMs: readonly number[];
  lines: readonly TimeLine[];
  fromMs: number;
  toMs: number;
  /** Outages (core not online, or nothing sampled): shaded. */
  gaps: readonly TimeseriesGap[];
  /** Stretches in which a watched Core was not answering (all-cores sums): shaded in the warning colour. */
  missingCores?: readonly TimeseriesMissingCore[];
  formatY: (v: number) => string;
  /** Called with the dragged-over range (at least 1 % of the width); the owner shows that range. */
  onZoom?: (fromMs: number, toMs: number) => void;
  testId: string;
  ariaLabel: string;
  /** How y values count (whole numbers, or decimal/binary units): gives round ticks in that unit. */
  scale: ScaleKind;
}

type Point = { x: number; y: number | null };

const NO_MISSING: readonly TimeseriesMissingCore[] = [];

interface Overlay {
  gaps: readonly TimeseriesGap[];
  missingCores: readonly TimeseriesMissingCore[];
  /** Pixel x of a drag in progress. */
  drag: { x0: number; x1: number } | null;
}

/** Draws the outages (grey) and the stretches with a Core missing (amber) under the lines, the zoom selection over them. */
function overlayPlugin(overlay: { current: Overlay }): Plugin<'line'> {
  return {
    id: 'timeseriesOverlay',
    beforeDatasetsDraw(chart) {
      const { ctx } = chart;
      const stretches = (list: readonly { fromMs: number; toMs: number }[]): { from: number; to: number }[] => list.map((g) => ({ from: g.fromMs, to: g.toMs }));
      ctx.save();
      ctx.fillStyle = missingFill();
      // At least a pixel: a Core down for a few seconds in a month's chart still shows.
      shadeStretches(chart, stretches(overlay.current.missingCores), 1);
      ctx.fillStyle = themeColor('--gap', 'rgba(128,128,128,0.18)');
      shadeStretches(chart, stretches(overlay.current.gaps));
      ctx.restore();
    },
    afterDraw(chart) {
      const d = overlay.current.drag;
      if (!d) return;
      const { ctx, chartArea: a } = chart;
      ctx.save();
      ctx.fillStyle = themeColor('--accent-soft', 'rgba(47,125,225,0.2)');
      ctx.fillRect(Math.min(d.x0, d.x1), a.top, Math.abs(d.x1 - d.x0), a.bottom - a.top);
      ctx.restore();
    },
  };
}

/**
 * A line chart over time with dates on the x axis (local time), outages shaded and zoom by dragging across it.
 * Created once per mount and updated in place.
 */
export function TimeSeriesChart({ atMs, lines, fromMs, toMs, gaps, missingCores = NO_MISSING, formatY, onZoom, testId, ariaLabel, scale }: Props): React.JSX.Element {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<'line', Point[]> | null>(null);
  const formatRef = useRef(formatY);
  formatRef.current = formatY;
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const overlay = useRef<Overlay>({ gaps: [], missingCores: [], drag: null });

  useEffect(() => {
    registerCharts();
    const canvas = canvasRef.current!;
    const text = themeColor('--muted', '#667');
    const grid = themeColor('--grid', 'rgba(128,128,128,0.2)');
    const chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [overlayPlugin(overlay)],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        spanGaps: false,
        interaction: { mode: 'index', intersect: false },
        elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          x: {
            type: 'linear',
            ticks: { color: text, autoSkip: false, maxRotation: 0, callback: (v, _i, ticks) => formatTick(Number(v), (ticks.at(-1)?.value ?? 0) - (ticks[0]?.value ?? 0)) },
            afterBuildTicks: (scale) => {
              scale.ticks = timeTicks(scale.min, scale.max, Math.max(3, Math.floor(scale.width / 110))).map((value) => ({ value }));
            },
            grid: { color: grid },
          },
          y: { type: 'linear', beginAtZero: true, ticks: { color: text, callback: (v) => formatRef.current(Number(v)) }, grid: { color: grid } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => formatDateTime(items[0]?.parsed.x ?? 0),
              label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? 'no data' : formatRef.current(item.parsed.y)}`,
            },
          },
        },
      },
    });
    chartRef.current = chart;

    // Zoom by dragging: pointer down, move, up over the plot area.
    const xOf = (e: PointerEvent): number => e.clientX - canvas.getBoundingClientRect().left;
    const down = (e: PointerEvent): void => {
      const a = chart.chartArea;
      const x = xOf(e);
      if (!zoomRef.current || x < a.left || x > a.right) return;
      overlay.current.drag = { x0: x, x1: x };
      canvas.setPointerCapture(e.pointerId);
    };
    const move = (e: PointerEvent): void => {
      const d = overlay.current.drag;
      if (!d) return;
      const a = chart.chartArea;
      d.x1 = Math.min(a.right, Math.max(a.left, xOf(e)));
      chart.draw();
    };
    const up = (): void => {
      const d = overlay.current.drag;
      overlay.current.drag = null;
      chart.draw();
      if (!d || Math.abs(d.x1 - d.x0) < Math.max(4, chart.chartArea.width / 100)) return;
      const x = chart.scales.x;
      const a = x.getValueForPixel(Math.min(d.x0, d.x1));
      const b = x.getValueForPixel(Math.max(d.x0, d.x1));
      if (a !== undefined && b !== undefined && b > a) zoomRef.current?.(Math.round(a), Math.round(b));
    };
    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
    return () => {
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('pointercancel', up);
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const datasets: ChartDataset<'line', Point[]>[] = lines.map((l) => ({
      label: l.label,
      borderColor: l.color,
      backgroundColor: l.color,
      borderDash: l.dashed ? [4, 3] : [],
      data: l.values.map((y, i) => ({ x: atMs[i] ?? 0, y })),
    }));
    chart.data.datasets = datasets;
    overlay.current.gaps = gaps;
    overlay.current.missingCores = missingCores;
    const x = chart.options.scales!.x!;
    x.min = fromMs;
    x.max = toMs;
    applyNiceScale(chart.options.scales!.y as YAxisOptions, lines.map((l) => l.values), scale);
    chart.update('none');
  }, [atMs, lines, gaps, missingCores, fromMs, toMs, scale]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} data-testid={testId} role="img" aria-label={ariaLabel} className={onZoom ? 'zoomable' : undefined} />
    </div>
  );
}
