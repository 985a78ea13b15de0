// The creator panel (a modal dialog: Escape or "Close" returns to the results): every field of the row under
// the served schema's titles, the video duration / publish-hour / publish-weekday distributions as bar
// charts (Chart.js, imported when the panel first opens), best-selling categories by name and the most
// viewed video.
import { ApiFailure, fetchCreator, fetchTrend, type Influencer, type TrendDay } from '../api.ts';
import {
  bestSellingCategories,
  durationDistribution,
  hourDistribution,
  mostViewedVideo,
  weekdayDistribution,
  type Distribution,
} from '../distributions.ts';
import { h } from '../dom.ts';
import {
  formatCount,
  formatDay,
  formatInteger,
  formatMoney,
  formatPercent,
  salesChannel,
} from '../format.ts';
import type { Vocabularies } from '../vocabularies.ts';
import { avatar } from './avatar.ts';

/** Fields shown by the charts and lists rather than as raw text. */
const STRUCTURED = new Set([
  'influencer_video_duration_level',
  'influencer_video_publish_hour',
  'influencer_video_publish_week',
  'most_category_product',
  'most_views_video',
]);

let titles: Promise<Record<string, string>> | null = null;

/** Field titles from the served OpenAPI schema (so the panel's words are the API's), fetched once. */
function fieldTitles(): Promise<Record<string, string>> {
  titles ??= fetch('/openapi.json')
    .then((r) => r.json())
    .then(
      (doc: {
        components?: { schemas?: { Influencer?: { properties?: Record<string, { title?: string }> } } };
      }) =>
        Object.fromEntries(
          Object.entries(doc.components?.schemas?.Influencer?.properties ?? {}).map(([k, v]) => [
            k,
            v.title ?? k,
          ]),
        ),
    )
    .catch(() => ({}));
  return titles;
}

function readable(field: string, value: Influencer[string], names: Map<string, string>): string {
  // Product category ids read as their names (the id stays in brackets, as the filter takes it).
  if (Array.isArray(value))
    return value.length
      ? value.map((id) => (names.has(id) ? `${names.get(id)} (${id})` : id)).join(', ')
      : '—';
  if (typeof value === 'string') return value === '' ? '—' : value;
  if (field === 'interaction_rate') return formatPercent(value);
  if (field === 'sales_flag') return `${value} (${salesChannel(value)})`;
  if (field.endsWith('_amt') || field === 'avg_30d_price') return formatMoney(value);
  if (field.endsWith('_dt')) return formatDay(value);
  return Number.isInteger(value) ? formatInteger(value) : String(value);
}

function chartFigure(title: string, id: string): { figure: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const figure = h(
    'figure',
    { class: 'chart', id },
    h('figcaption', {}, title),
    h('div', { class: 'chart-box' }, canvas),
  );
  return { figure, canvas };
}

/** Counts of videos, or shares when the row holds fractions. */
function valueFormat(data: Distribution): (value: number) => string {
  return data.values.every(Number.isInteger) ? (v) => formatInteger(v) : (v) => formatPercent(v);
}

/** Axis ticks of a count: whole numbers below 100k, so close ticks (2,425 and 2,450) stay apart. */
const countTick = (v: number) => (Math.abs(v) < 100_000 ? formatInteger(v) : formatCount(v));

/** The history's three lines: followers, views and GMV per day, null on the days not crawled. */
const HISTORY = [
  {
    field: 'total_followers_cnt',
    title: 'Followers',
    id: 'chart-followers',
    format: formatCount,
    tick: countTick,
  },
  { field: 'total_views_cnt', title: 'Total views', id: 'chart-views', format: formatCount, tick: countTick },
  { field: 'sale_gmv_amt', title: 'GMV per day', id: 'chart-gmv', format: formatMoney, tick: formatMoney },
] as const;

/** Why there is no history, in words: the route missing (an older server) is not the creator missing. */
function historyFailure(error: unknown): string {
  if (error instanceof ApiFailure && error.status === 404)
    return error.message === 'influencer not found'
      ? 'No history: the snapshot does not hold this creator.'
      : 'History not available on this server.';
  return error instanceof ApiFailure
    ? `History failed: ${error.describe()}`
    : `History failed: ${String(error)}`;
}

export function creatorPanel(vocabularies: () => Vocabularies): {
  element: HTMLElement;
  open(row: Influencer): void;
  /** Opens the creator by user id through the detail endpoint (a shared link). */
  openById(userId: string): void;
  close(): void;
  /** Called when a person closes the panel. */
  onClose(listener: () => void): void;
} {
  const body = h('div', { class: 'creator-body' });
  const close = h('button', { type: 'button', class: 'close' }, 'Close');
  const heading = h('h2', { id: 'creator-title' });
  const dialog = h(
    'dialog',
    { id: 'creator', 'aria-labelledby': 'creator-title' },
    h('header', { class: 'creator-head' }, heading, close),
    body,
  );
  let freeCharts: (() => void)[] = [];
  const closeListeners: (() => void)[] = [];
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    for (const free of freeCharts) free();
    freeCharts = [];
    opened = null;
    for (const listener of closeListeners) listener();
  });

  let opened: Influencer | string | null = null;
  async function openById(userId: string): Promise<void> {
    opened = userId;
    heading.textContent = 'Loading creator…';
    body.replaceChildren(h('p', { class: 'status', role: 'status' }, `Loading creator ${userId}…`));
    if (!dialog.open) dialog.showModal();
    close.focus();
    try {
      const row = await fetchCreator(userId);
      if (opened !== userId) return;
      if (row) return await open(row);
      heading.textContent = 'Creator not found';
      body.replaceChildren(
        h('p', { class: 'status status-error', role: 'alert' }, `No creator ${userId} in the data served.`),
      );
    } catch (error) {
      if (opened !== userId) return;
      heading.textContent = 'Creator not loaded';
      body.replaceChildren(
        h(
          'p',
          { class: 'status status-error', role: 'alert' },
          error instanceof ApiFailure ? error.describe() : String(error),
        ),
      );
    }
  }

  async function open(row: Influencer): Promise<void> {
    opened = row;
    const categoryNames = new Map(vocabularies().productCategories.map((c) => [c.id, c.name]));
    for (const free of freeCharts) free();
    freeCharts = [];
    const name = String(row.nick_name || row.unique_id);
    heading.textContent = name;
    const charts = [
      { title: 'Videos by duration', id: 'chart-duration', data: durationDistribution(row) },
      { title: 'Videos by publish hour (UTC)', id: 'chart-hour', data: hourDistribution(row) },
      { title: 'Videos by weekday', id: 'chart-weekday', data: weekdayDistribution(row) },
    ].map((c) => ({ ...c, ...chartFigure(c.title, c.id) }));
    const categories = bestSellingCategories(row);
    const video = mostViewedVideo(row);
    const fields = h('dl', { class: 'fields' });
    const history = HISTORY.map((line) => ({ ...line, ...chartFigure(line.title, line.id) }));
    const historyStatus = h(
      'p',
      { id: 'history-status', class: 'status', role: 'status' },
      'Loading history…',
    );
    body.replaceChildren(
      h(
        'div',
        { class: 'creator-intro' },
        avatar(name, row.avatar, 'large'),
        h(
          'p',
          {},
          h('strong', {}, `@${row.unique_id}`),
          ` · ${row.category || 'no category'} · ${row.region} · ${salesChannel(Number(row.sales_flag))}`,
          row.signature ? h('span', { class: 'signature' }, String(row.signature)) : null,
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'history-heading', class: 'history' },
        h('h3', { id: 'history-heading' }, 'History, last 30 days'),
        historyStatus,
        h('div', { class: 'charts' }, ...history.map((c) => c.figure)),
      ),
      h(
        'section',
        { 'aria-labelledby': 'distributions-heading' },
        h('h3', { id: 'distributions-heading' }, 'Videos'),
        h('div', { class: 'charts' }, ...charts.map((c) => c.figure)),
      ),
      h(
        'section',
        { 'aria-labelledby': 'best-categories' },
        h('h3', { id: 'best-categories' }, 'Best-selling categories, 30 days'),
        categories.length
          ? h(
              'ol',
              { class: 'best-categories' },
              ...categories.map((c) =>
                h(
                  'li',
                  {},
                  categoryNames.get(c.id) ?? `category ${c.id}`,
                  c.share !== undefined && Number.isFinite(c.share)
                    ? ` (${formatPercent(c.share)} of GMV)`
                    : '',
                ),
              ),
            )
          : h('p', {}, 'No sales in the last 30 days.'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'top-video' },
        h('h3', { id: 'top-video' }, 'Most viewed video'),
        video
          ? h(
              'p',
              {},
              h(
                'a',
                {
                  href: `https://www.tiktok.com/@${row.unique_id}/video/${video.video_id}`,
                  rel: 'noopener noreferrer',
                  target: '_blank',
                },
                `Video ${video.video_id}`,
              ),
              ...Object.entries(video)
                .filter(([k]) => k !== 'video_id')
                .map(
                  ([k, v]) =>
                    ` · ${k.replace(/_cnt$/, '').replace(/_/g, ' ')}: ${typeof v === 'number' ? formatInteger(v) : v}`,
                ),
            )
          : h('p', {}, 'No video.'),
      ),
      h('section', { 'aria-labelledby': 'all-fields' }, h('h3', { id: 'all-fields' }, 'Every field'), fields),
    );
    if (!dialog.open) dialog.showModal();
    close.focus();

    const trend = fetchTrend(String(row.user_id)).then(
      (days) => ({ days }),
      (error: unknown) => ({ failure: historyFailure(error) }),
    );
    const [names, { drawBars, drawLine }] = await Promise.all([fieldTitles(), import('../charts.ts')]);
    fields.replaceChildren(
      ...Object.entries(row)
        .filter(([field]) => !STRUCTURED.has(field))
        .map(([field, value]) =>
          h(
            'div',
            {},
            h('dt', {}, names[field] ?? field, h('code', {}, field)),
            h('dd', {}, readable(field, value, categoryNames)),
          ),
        ),
    );
    if (opened !== row) return; // another creator was opened meanwhile
    for (const chart of charts)
      freeCharts.push(
        drawBars(chart.canvas, {
          title: chart.title,
          ...chart.data,
          format: valueFormat(chart.data),
          tick: chart.data.values.every(Number.isInteger) ? undefined : (v) => `${Math.round(v * 100)} %`,
        }),
      );
    const answer = await trend;
    if (opened !== row) return;
    if ('failure' in answer) {
      historyStatus.textContent = answer.failure;
      for (const line of history) line.figure.hidden = true;
      return;
    }
    const days: TrendDay[] = answer.days;
    const missing = days.filter((d) => !d.crawled).length;
    historyStatus.textContent =
      days.length === 0
        ? 'No days in the history.'
        : `${formatDay(days[0]!.date)} to ${formatDay(days.at(-1)!.date)}` +
          (missing ? `; ${missing} ${missing === 1 ? 'day was' : 'days were'} not crawled (gaps).` : '.');
    const labels = days.map((d) => formatDay(d.date).slice(5));
    for (const line of history)
      freeCharts.push(
        drawLine(line.canvas, {
          title: line.title,
          labels,
          values: days.map((d) =>
            d.crawled && typeof d[line.field] === 'number' ? (d[line.field] as number) : null,
          ),
          format: line.format,
          tick: line.tick,
        }),
      );
  }

  return {
    element: dialog,
    open: (row) => void open(row),
    openById: (userId) => void openById(userId),
    close: () => {
      if (dialog.open) dialog.close();
    },
    onClose: (listener) => closeListeners.push(listener),
  };
}
