// Numbers, money and codes as people read them: 1.2M followers, $48.3k, 5.32 %, "video and live".

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const plain = new Intl.NumberFormat('en-US');

/** 1234567 → "1.2M", 950 → "950". */
export function formatCount(value: number): string {
  return compact.format(value).replace(/K$/, 'k');
}

/** 48321 → "$48.3k" (compact notation in lower case, as buyers write it). */
export function formatMoney(value: number): string {
  return money.format(value).replace(/K$/, 'k');
}

/** A fraction as a percentage: 0.0532 → "5.32 %". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction >= 0.1 ? 1 : 2)} %`;
}

/** A signed change: +1.2k, −350, 0. */
export function formatGrowth(value: number): string {
  if (value === 0) return '0';
  return `${value > 0 ? '+' : '−'}${formatCount(Math.abs(value))}`;
}

export function formatInteger(value: number): string {
  return plain.format(value);
}

/** A crawl day 20250816 → "2025-08-16". */
export function formatDay(day: number): string {
  const s = String(day);
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : s;
}

/** The row's sales_flag (0–4) in words. */
export const SALES_CHANNELS: Readonly<Record<number, string>> = {
  0: 'no sales',
  1: 'sells in videos',
  2: 'sells in lives',
  3: 'sells in videos and lives',
  4: 'showcase open, no sales yet',
};

export function salesChannel(flag: number): string {
  return SALES_CHANNELS[flag] ?? `sales flag ${flag}`;
}

/** Up to two initials of a name or handle, for the avatar placeholder. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words[1]![0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
