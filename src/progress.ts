// Progress reporting for long work (generation, import, pipeline, index build).
// Stages take a Progress and call it; the CLI decides how to show it (stderr lines, throttled).

export interface Progress {
  /** `done` of `total` units of `stage` finished (total unknown: undefined). */
  update(stage: string, done: number, total?: number): void;
  /** A one-line message (a step started or finished). */
  log(message: string): void;
}

export const silentProgress: Progress = { update() {}, log() {} };

/** CPU seconds of this process so far (user + system, all threads: DuckDB runs in process). */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Starts a timer; calling it gives "N s, M s CPU" since the start (CPU of the whole process). */
export function stepTimer(): () => string {
  const wall = Date.now();
  const cpu = cpuSeconds();
  return () => `${((Date.now() - wall) / 1000).toFixed(1)} s, ${(cpuSeconds() - cpu).toFixed(1)} s CPU`;
}

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

/** Where long work stands, for a status page (the first start's /healthz answer). */
export interface ProgressState {
  /** The last one-line message (the step under way). */
  readonly step: string;
  /** The last counted stage, e.g. "generate days", with its counts. */
  readonly stage?: string;
  readonly done?: number;
  readonly total?: number;
  /** Seconds since the work started. */
  readonly elapsedSeconds: number;
}

/** A Progress that passes everything on to `inner` and keeps the latest state for state(). */
export function recordingProgress(inner: Progress): Progress & { state(): ProgressState } {
  const started = Date.now();
  let step = 'starting';
  let counted: { stage: string; done: number; total?: number } | undefined;
  return {
    update(stage, done, total) {
      counted = { stage, done, ...(total !== undefined && { total }) };
      inner.update(stage, done, total);
    },
    log(message) {
      step = message;
      counted = undefined;
      inner.log(message);
    },
    state: () => ({ step, ...counted, elapsedSeconds: Math.round((Date.now() - started) / 100) / 10 }),
  };
}
