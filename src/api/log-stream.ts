// The destination of the JSON logs: lines are gathered and written together, at most `maxDelayMs` after the
// first one, instead of one write system call per request line (pino's default destination writes each
// line synchronously, which under load costs as much as a good part of the request itself).
import { writeSync } from 'node:fs';

export interface LogStreamOptions {
  /** Longest a line waits before it is written, in ms (default 100). */
  readonly maxDelayMs?: number;
  /** Characters gathered before they are written at once, whatever the delay (default 64 Ki). */
  readonly maxChars?: number;
}

export class BufferedLogStream {
  private lines: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly maxDelayMs: number;
  private readonly maxChars: number;
  private readonly flushOnExit = () => this.flush();

  /** @param fd the file descriptor written to (1 = stdout). */
  constructor(
    private readonly fd: number,
    options: LogStreamOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 100;
    this.maxChars = options.maxChars ?? 64 * 1024;
    // Whatever the reason the process ends (exit, uncaught error), the lines gathered are written first.
    process.on('exit', this.flushOnExit);
  }

  /** Called by pino with one serialized line (newline included). */
  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.closed || this.chars >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs).unref();
  }

  /** Writes the gathered lines now (synchronously: nothing is lost to an exit right after). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    writeAll(this.fd, chunk);
  }

  /** Flushes; later lines (last words of a shutdown) are written at once. */
  close(): void {
    this.closed = true;
    this.flush();
    process.off('exit', this.flushOnExit);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * writeSync until every byte is out: a pipe may take a chunk in parts, or ask to retry (EAGAIN, after 1 ms).
 * Any other failure (e.g. EPIPE: nobody reads the logs any more) drops the chunk: logging never stops the
 * service.
 */
function writeAll(fd: number, text: string): void {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
