// The page of creators: per creator the avatar, name and handle, category, followers with 30-day growth,
// interaction rate, average views, GMV 30 days, ec_score and the sales channel in words.
import type { Influencer } from '../api.ts';
import { h } from '../dom.ts';
import { formatCount, formatGrowth, formatMoney, formatPercent, salesChannel } from '../format.ts';
import { avatar } from './avatar.ts';

const num = (row: Influencer, field: string): number => Number(row[field] ?? 0);

function stat(label: string, value: string, extra?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('dt', {}, label),
    h('dd', {}, value, extra ? h('span', { class: 'growth' }, extra) : null),
  );
}

/** Average views per video: the served per_views_avg_cnt when present, else total views / videos. */
export function averageViews(row: Influencer): number {
  if (row.per_views_avg_cnt !== undefined) return num(row, 'per_views_avg_cnt');
  const videos = num(row, 'total_post_video_cnt');
  return videos > 0 ? Math.round(num(row, 'total_views_cnt') / videos) : 0;
}

function creatorCard(row: Influencer, open: (row: Influencer) => void): HTMLElement {
  const name = String(row.nick_name || row.unique_id);
  const button = h('button', { type: 'button', class: 'creator-name' }, name);
  button.addEventListener('click', () => open(row));
  const growth = num(row, 'total_followers_30d_cnt');
  return h(
    'li',
    { class: 'creator', 'data-user-id': String(row.user_id) },
    avatar(name, row.avatar),
    h(
      'div',
      { class: 'who' },
      button,
      h('span', { class: 'handle' }, `@${row.unique_id}`),
      h('span', { class: 'category' }, String(row.category || 'No category')),
    ),
    h(
      'dl',
      { class: 'stats' },
      stat('Followers', formatCount(num(row, 'total_followers_cnt')), `${formatGrowth(growth)} in 30 d`),
      stat('Interaction', formatPercent(num(row, 'interaction_rate'))),
      stat('Avg views', formatCount(averageViews(row))),
      stat('GMV 30 d', formatMoney(num(row, 'total_sale_gmv_30d_amt'))),
      stat('ec_score', num(row, 'ec_score').toFixed(2)),
      stat('Sales', salesChannel(num(row, 'sales_flag'))),
    ),
  );
}

export function resultsList(open: (row: Influencer) => void): {
  element: HTMLElement;
  show(rows: Influencer[]): void;
} {
  const list = h('ol', { class: 'results', id: 'results' });
  return {
    element: list,
    show(rows) {
      list.replaceChildren(...rows.map((row) => creatorCard(row, open)));
    },
  };
}
