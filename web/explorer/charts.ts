// Bar and line charts of the creator panel, with Chart.js (only the parts used). Loaded by dynamic import when a
// creator is opened, so the search page does not pay for it.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface Bars {
  readonly title: string;
  readonly labels: readonly string[];
  readonly values: readonly number[];
  /** How a value reads in the tooltip (e.g. "42 videos", "38 %"). */
  readonly format: (value: number) => string;
  /** How an axis tick reads, when shorter than `format` (e.g. "40 %"). */
  readonly tick?: (value: number) => string;
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
        y: {
          beginAtZero: true,
          ticks: { maxTicksLimit: 4, callback: (v) => (bars.tick ?? bars.format)(Number(v)) },
        },
      },
    },
  });
  canvas.dataset.chartRendered = '';
  return () => chart.destroy();
}

export interface Line {
  readonly title: string;
  /** One label per day, oldest first. */
  readonly labels: readonly string[];
  /** null where the day was not crawled: drawn as a gap, never joined across. */
  readonly values: readonly (number | null)[];
  readonly format: (value: number) => string;
  /** How an axis tick reads, when `format` would make neighbouring ticks look alike (e.g. "2.5k" twice). */
  readonly tick?: (value: number) => string;
}

/** Draws a daily line on the canvas, with gaps for the days not crawled; returns a function that frees it. */
export function drawLine(canvas: HTMLCanvasElement, line: Line): () => void {
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      labels: [...line.labels],
      datasets: [
        {
          label: line.title,
          data: [...line.values],
          borderColor: '#2563eb',
          backgroundColor: '#2563eb',
          pointRadius: 2,
          borderWidth: 2,
          spanGaps: false,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { tooltip: { callbacks: { label: (item) => line.format(Number(item.raw)) } } },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 6 } },
        y: { ticks: { maxTicksLimit: 4, callback: (v) => (line.tick ?? line.format)(Number(v)) } },
      },
    },
  });
  canvas.dataset.chartRendered = '';
  canvas.dataset.gaps = String(line.values.filter((v) => v === null).length);
  return () => chart.destroy();
}
