// Bar charts of the creator panel, with Chart.js (only its bar parts). Loaded by dynamic import when a
// creator is opened, so the search page does not pay for it.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface Bars {
  readonly title: string;
  readonly labels: readonly string[];
  readonly values: readonly number[];
  /** How a value reads in the tooltip (e.g. "42 videos", "38 %"). */
  readonly format: (value: number) => string;
}

/** Draws the bars on the canvas; returns a function that frees the chart. */
export function drawBars(canvas: HTMLCanvasElement, bars: Bars): () => void {
  const chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: [...bars.labels],
      datasets: [{ label: bars.title, data: [...bars.values], backgroundColor: '#2563eb', borderRadius: 2 }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { tooltip: { callbacks: { label: (item) => bars.format(Number(item.raw)) } } },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { maxTicksLimit: 4, callback: (v) => bars.format(Number(v)) } },
      },
    },
  });
  canvas.dataset.chartRendered = '';
  return () => chart.destroy();
}
