import { useEffect, useRef } from 'react';
import { Chart, type ChartDataset } from 'chart.js';
import { registerCharts } from '../charts/register.ts';
import { formatAxisSeconds } from '../format/units.ts';
import { applyNiceScale, movingAverage, type ScaleKind, type YAxisOptions } from '../charts/ticks.ts';

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
}

function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * A chart.js line chart that is created once and updated in place (no animation, no re-creation), so a chart
 * that changes every second costs one draw.
 */
export function LineChart({ xSecondsAgo, series, formatY, windowSeconds, testId, ariaLabel, scale, smoothPoints = 1 }: Props): React.JSX.Element {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<'line', { x: number; y: number | null }[]> | null>(null);
  const formatRef = useRef(formatY);
  formatRef.current = formatY;
  /** The raw samples of each drawn line, for the tooltip when the line is smoothed. */
  const rawRef = useRef<readonly (readonly (number | null)[])[]>([]);
  const smoothRef = useRef(smoothPoints);
  smoothRef.current = smoothPoints;

  useEffect(() => {
    registerCharts();
    const canvas = canvasRef.current!;
    const text = themeColor('--muted', '#667');
    const grid = themeColor('--grid', 'rgba(128,128,128,0.2)');
    const chart = new Chart<'line', { x: number; y: number | null }[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
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
    chart.data.datasets = datasets;
    applyNiceScale(chart.options.scales!.y as YAxisOptions, datasets.map((d) => d.data.map((p) => p.y)), scale);
    chart.update('none');
  }, [xSecondsAgo, series, scale, smoothPoints]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} data-testid={testId} role="img" aria-label={ariaLabel} />
    </div>
  );
}
