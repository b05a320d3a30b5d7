import { useEffect, useRef } from 'react';
import { Chart, type ChartDataset } from 'chart.js';
import { registerCharts } from '../charts/register.ts';
import { formatAxisSeconds } from '../format/units.ts';

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
}

function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * A chart.js line chart that is created once and updated in place (no animation, no re-creation), so a chart
 * that changes every second costs one draw.
 */
export function LineChart({ xSecondsAgo, series, formatY, windowSeconds, testId, ariaLabel }: Props): React.JSX.Element {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<'line', { x: number; y: number | null }[]> | null>(null);
  const formatRef = useRef(formatY);
  formatRef.current = formatY;

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
            ticks: { color: text, maxTicksLimit: 5, callback: (v) => formatRef.current(Number(v)) },
            grid: { color: grid },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => formatAxisSeconds(Math.round(items[0]?.parsed.x ?? 0)),
              label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? '–' : formatRef.current(item.parsed.y)}`,
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
      data: s.values.map((y, i) => ({ x: xSecondsAgo[i] ?? 0, y })),
    }));
    chart.data.datasets = datasets;
    chart.update('none');
  }, [xSecondsAgo, series]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} data-testid={testId} role="img" aria-label={ariaLabel} />
    </div>
  );
}
