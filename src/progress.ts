// Progress reporting for long work (generation, import, pipeline, index build).
// Stages take a Progress and call it; the CLI decides how to show it (stderr lines, throttled).

export interface Progress {
  /** `done` of `total` units of `stage` finished (total unknown: undefined). */
  update(stage: string, done: number, total?: number): void;
  /** A one-line message (a step started or finished). */
  log(message: string): void;
}

export const silentProgress: Progress = { update() {}, log() {} };

/** Writes throttled progress lines to stderr, so stdout stays clean for results (e.g. --json). */
export function stderrProgress(minIntervalMs = 1000): Progress {
  let last = 0;
  let lastStage = '';
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  return {
    update(stage, done, total) {
      const now = Date.now();
      const finished = total !== undefined && done >= total;
      if (stage === lastStage && !finished && now - last < minIntervalMs) return;
      last = now;
      lastStage = stage;
      const pct = total ? ` (${((100 * done) / total).toFixed(1)}%)` : '';
      const of = total !== undefined ? `/${total.toLocaleString('en-US')}` : '';
      process.stderr.write(`[${elapsed()}] ${stage}: ${done.toLocaleString('en-US')}${of}${pct}\n`);
    },
    log(message) {
      process.stderr.write(`[${elapsed()}] ${message}\n`);
    },
  };
}
