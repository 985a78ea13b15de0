// Export: the current search as CSV, up to 1,000 rows (100 pages of 10, one credit each). The cost is said
// and confirmed before anything is requested; progress is shown; a 429 waits for its Retry-After; any other
// failure stops and offers the rows fetched so far.
import { ApiFailure, fetchPage, type Influencer } from '../api.ts';
import { h } from '../dom.ts';
import { formatInteger } from '../format.ts';
import { PAGE_SIZE, pageRequest } from '../query.ts';

export const EXPORT_MAX_ROWS = 1000;
const MAX_RETRIES = 5;

/** One CSV cell; text that a spreadsheet would run as a formula is prefixed with '. */
function cell(value: unknown): string {
  let text = Array.isArray(value) ? value.join(',') : String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Influencer[]): string {
  if (rows.length === 0) return '';
  const fields = Object.keys(rows[0]!);
  return (
    [fields.join(','), ...rows.map((row) => fields.map((f) => cell(row[f])).join(','))].join('\r\n') + '\r\n'
  );
}

function download(rows: Influencer[], query: URLSearchParams): void {
  const blob = new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const link = h('a', {
    href: URL.createObjectURL(blob),
    download: `kolscope-${(query.get('region') ?? 'all').toLowerCase()}-${new Date().toISOString().slice(0, 10)}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function exportCsv(current: () => { query: URLSearchParams; total?: number }): HTMLElement {
  const start = h('button', { type: 'button', id: 'export' }, 'Export CSV');
  const confirm = h('button', { type: 'button', id: 'export-confirm', hidden: true }, 'Start export');
  const cancel = h('button', { type: 'button', id: 'export-cancel', hidden: true }, 'Cancel');
  const progress = h('progress', {
    id: 'export-progress',
    max: 100,
    value: 0,
    hidden: true,
    'aria-label': 'Export progress',
  });
  const message = h('p', { id: 'export-message', 'aria-live': 'polite' });
  let running: AbortController | null = null;

  const reset = () => {
    start.hidden = false;
    confirm.hidden = true;
    cancel.hidden = true;
    running = null;
  };

  start.addEventListener('click', () => {
    const { total } = current();
    const rows = Math.min(total ?? EXPORT_MAX_ROWS, EXPORT_MAX_ROWS);
    const pages = Math.ceil(rows / PAGE_SIZE);
    message.textContent =
      total === undefined
        ? `Exporting up to ${formatInteger(EXPORT_MAX_ROWS)} rows costs up to ${pages} credits (one per page of ${PAGE_SIZE}; it stops at the last page).`
        : `Exporting ${formatInteger(rows)} rows costs ${pages} credits (one per page of ${PAGE_SIZE}).`;
    start.hidden = true;
    confirm.hidden = false;
    cancel.hidden = false;
    confirm.focus();
  });

  cancel.addEventListener('click', () => {
    running?.abort();
    message.textContent = running ? 'Export cancelled.' : '';
    reset();
    start.focus();
  });

  confirm.addEventListener('click', async () => {
    const { query, total } = current();
    const pages = Math.ceil(Math.min(total ?? EXPORT_MAX_ROWS, EXPORT_MAX_ROWS) / PAGE_SIZE);
    const controller = new AbortController();
    running = controller;
    confirm.hidden = true;
    progress.hidden = false;
    progress.max = pages;
    progress.value = 0;
    const rows: Influencer[] = [];
    let failure: string | null = null;
    for (let page = 1, retries = 0; page <= pages && !controller.signal.aborted;) {
      try {
        const result = await fetchPage(pageRequest(query, page), controller.signal);
        rows.push(...result.rows);
        progress.value = page;
        message.textContent = `Page ${page} of up to ${pages}: ${formatInteger(rows.length)} rows`;
        if (result.rows.length < PAGE_SIZE) break;
        page++;
        retries = 0;
      } catch (error) {
        if (controller.signal.aborted) break;
        if (error instanceof ApiFailure && error.status === 429 && retries < MAX_RETRIES) {
          retries++;
          const seconds = error.retryAfter ?? 1;
          message.textContent = `Rate limited (429): waiting ${seconds} s before page ${page}…`;
          await sleep(seconds * 1000);
          continue;
        }
        failure = error instanceof ApiFailure ? error.describe() : String(error);
        break;
      }
    }
    progress.hidden = true;
    if (controller.signal.aborted) return;
    if (rows.length > 0) download(rows, query);
    message.textContent = failure
      ? `Export stopped: ${failure}.${rows.length ? ` Downloaded the ${formatInteger(rows.length)} rows fetched.` : ''}`
      : `Exported ${formatInteger(rows.length)} rows.`;
    reset();
  });

  return h('section', { class: 'export', 'aria-label': 'Export' }, start, confirm, cancel, progress, message);
}
