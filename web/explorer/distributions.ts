// The row's JSON-string fields, parsed for people: the video distributions as bars, the best-selling
// categories, the most viewed video. Tolerant: a field that does not parse shows as nothing.
import type { Influencer } from './api.ts';

export interface Distribution {
  readonly labels: string[];
  readonly values: number[];
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function objectOf(text: unknown): Record<string, number> {
  const value = parseJson(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Number(v) || 0]));
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function durationDistribution(row: Influencer): Distribution {
  const counts = objectOf(row.influencer_video_duration_level);
  return { labels: Object.keys(counts), values: Object.values(counts) };
}

/** Every hour 0–23, hours without videos as 0. */
export function hourDistribution(row: Influencer): Distribution {
  const counts = objectOf(row.influencer_video_publish_hour);
  const byHour = new Map(Object.entries(counts).map(([k, v]) => [Number(k), v]));
  const hours = [...Array(24).keys()];
  return {
    labels: hours.map((h) => String(h).padStart(2, '0')),
    values: hours.map((h) => byHour.get(h) ?? 0),
  };
}

/** Monday (1) to Sunday (7). */
export function weekdayDistribution(row: Influencer): Distribution {
  const counts = objectOf(row.influencer_video_publish_week);
  return { labels: WEEKDAYS, values: WEEKDAYS.map((_, i) => counts[String(i + 1)] ?? 0) };
}

/** Best-selling product categories: id and share of GMV when the row has it. */
export function bestSellingCategories(row: Influencer): { id: string; share?: number }[] {
  const value = parseJson(row.most_category_product);
  if (!Array.isArray(value)) return [];
  return value.map((item) =>
    typeof item === 'object' && item !== null
      ? {
          id: String((item as { category_id?: unknown }).category_id ?? ''),
          share: Number((item as { gmv_share?: unknown }).gmv_share),
        }
      : { id: String(item) },
  );
}

export function mostViewedVideo(row: Influencer): Record<string, string | number> | null {
  const value = parseJson(row.most_views_video);
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, string | number>)
    : null;
}
