import { useEffect, useRef } from 'react';
import { Chart, type ChartDataset, type Plugin } from 'chart.js';
import { registerCharts } from '../charts/register.ts';
import { formatAxisSeconds } from '../format/units.ts';
import { applyNiceScale, movingAverage, type ScaleKind, type YAxisOptions } from '../charts/ticks.ts';
import { missingFill, shadeStretches, themeColor } from '../charts/shade.ts';

export interface LineSeries {
  label: string;
  color: string;
  /** y values aligned with `xSecondsAgo` (null: a gap). */
  values: readonly (number | null)[];
  dashed?: boolean;
}

interface Props {
  /** x of each sample as seconds relative to the newest (≤ 0). */
  xSecondsAgo: readonly number[];
  series: readonly LineSeries[];
  formatY: (v: number) => string;
  /** Window shown on the x axis, in seconds. */
  windowSeconds: number;
  testId: string;
  ariaLabel: string;
  /** How y values count (whole numbers, or decimal/binary units): gives round ticks in that unit. */
  scale: ScaleKind;
  /**
   * Draw each line as the average of this many samples (per-second rates saw-tooth); the tooltip shows the raw
   * sample. 1 (the default) draws the samples as they are.
   */
  smoothPoints?: number;
  /** Samples to shade in the warning colour (a sum that lacks a Core not answering then), aligned with `xSecondsAgo`. */
  shaded?: readonly boolean[];
}

/** The runs of `on` samples as stretches of the x axis, each sample half a step either side. */
function* runsOf(at: readonly number[], on: readonly boolean[]): Generator<{ from: number; to: number }> {
  for (let i = 0; i < on.length; i++) {
    if (!on[i]) continue;
    let j = i;
    while (j + 1 < on.length && on[j + 1]) j++;
    yield { from: (at[i] ?? 0) - 0.5, to: (at[j] ?? 0) + 0.5 };
    i = j;
  }
}

/** Shades the runs of `shaded` samples under the lines. */
function shadePlugin(shaded: { current: { at: readonly number[]; on: readonly boolean[] } }): Plugin<'line'> {
  return {
    id: 'shadedSamples',
    beforeDatasetsDraw(chart) {
      const { at, on } = shaded.current;
      if (!on.includes(true)) return;
      chart.ctx.save();
      chart.ctx.fillStyle = missingFill();
      shadeStretches(chart, runsOf(at, on));
      chart.ctx.restore();
    },
  };
}

const NOTHING_SHADED: readonly boolean[] = [];

/**
 * A chart.js line chart that is created once and updated in place (no animation, no re-creation), so a chart
 * that changes every second costs one draw.
 */
export function LineChart({ xSecondsAgo, series, formatY, windowSeconds, testId, ariaLabel, scale, smoothPoints = 1, shaded = NOTHING_SHADED }: Props): React.JSX.Element {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<'line', { x: number; y: number | null }[]> | null>(null);
  const formatRef = useRef(formatY);
  formatRef.current = formatY;
  /** The raw samples of each drawn line, for the tooltip when the line is smoothed. */
  const rawRef = useRef<readonly (readonly (number | null)[])[]>([]);
  const smoothRef = useRef(smoothPoints);
  smoothRef.current = smoothPoints;
  const shadedRef = useRef<{ at: readonly number[]; on: readonly boolean[] }>({ at: [], on: [] });

  useEffect(() => {
    registerCharts();
    const canvas = canvasRef.current!;
    const text = themeColor('--muted', '#667');
    const grid = themeColor('--grid', 'rgba(128,128,128,0.2)');
    const chart = new Chart<'line', { x: number; y: number | null }[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [shadePlugin(shadedRef)],
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
            min: -windowSeconds,
            max: 0,
            ticks: { color: text, stepSize: windowSeconds >= 300 ? 120 : 30, callback: (v) => formatAxisSeconds(Math.round(Number(v))) },
            grid: { color: grid },
          },
          y: {
            type: 'linear',
            beginAtZero: true,
            ticks: { color: text, callback: (v) => formatRef.current(Number(v)) },
            grid: { color: grid },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => formatAxisSeconds(Math.round(items[0]?.parsed.x ?? 0)),
              label: (item) => {
                const raw = rawRef.current[item.datasetIndex]?.[item.dataIndex];
                if (raw === null || raw === undefined) return `${item.dataset.label}: –`;
                const avg = smoothRef.current > 1 && item.parsed.y !== null ? ` (${smoothRef.current} s average ${formatRef.current(item.parsed.y)})` : '';
                return `${item.dataset.label}: ${formatRef.current(raw)}${avg}`;
              },
            },
          },
        },
      },
    });
    chartRef.current = chart;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, [windowSeconds]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const datasets: ChartDataset<'line', { x: number; y: number | null }[]>[] = series.map((s) => ({
      label: s.label,
      borderColor: s.color,
      backgroundColor: s.color,
      borderDash: s.dashed ? [4, 3] : [],
      data: (smoothPoints > 1 ? movingAverage(s.values, smoothPoints) : s.values).map((y, i) => ({ x: xSecondsAgo[i] ?? 0, y })),
    }));
    rawRef.current = series.map((s) => s.values);
    shadedRef.current = { at: xSecondsAgo, on: shaded };
    chart.data.datasets = datasets;
    applyNiceScale(chart.options.scales!.y as YAxisOptions, datasets.map((d) => d.data.map((p) => p.y)), scale);
    chart.update('none');
  }, [xSecondsAgo, series, scale, smoothPoints, shaded]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} data-testid={testId} role="img" aria-label={ariaLabel} />
    </div>
  );
}
