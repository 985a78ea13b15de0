// The synthetic crawl, as DuckDB SQL. Every random draw is a hash of (seed, entity, day, salt) mapped to
// (0, 1), so a run is a pure function of its arguments and the work stays set-at-a-time in SQL.
//
// Tables kept between days:
//   inf      one row per influencer: fixed traits (region, reach, follow conversion, seller type, names, …)
//   catalog  one row per TikTok Shop product: category, base price, price-change rhythm
//   state    one row per influencer (same order as inf): counters as of the last generated day
//   changes  profile attribute changes so far (influencer, day, kind)
//   seen     products already reported in the products table (first seen / changed rows only)
//   vids_<day> videos posted on that day (lifetime totals), kept while they are still re-observed
// Causes, not coincidences: a video's views accrue over its first days (1 - exp(-t / 1.6 days)); the
// views an account's videos gain each day bring its new followers and likes received, and the views of its
// videos with products bring its video sales. The first observation of an account includes its back
// catalogue (BACK_CATALOGUE_DEPTH latest videos), as a crawler reads it when it discovers the account.
// Per day, temp tables l_today (live sessions), s_today (product sales) and p_today (product rows) are
// built, written out, and replaced the next day. Ids stay numeric inside and become strings on output.
// Rows of inf and state are in influencer order, which the profile outputs rely on (no sort needed).
//
// Days are absolute day numbers (days since 1970-01-01) so hashes do not depend on the window start.
import { NAME_EMOJI, NAME_LISTS, REGION_NAMES } from './names.ts';
import {
  CREATOR_CATEGORIES,
  CREATOR_CATEGORY_PROFILE,
  GENERATED_REGIONS,
  PRODUCT_CATEGORIES,
  PRODUCT_CATEGORY_PROFILE,
} from './reference.ts';

export interface ModelParams {
  readonly seed: number;
  readonly influencers: number;
  /** First and last generated day, as day numbers. */
  readonly firstDay: number;
  readonly lastDay: number;
}

/** Days after publication on which a video is observed (0 = publish day), ascending. */
export const VIDEO_OBSERVATION_AGES = [0, 1, 7, 30] as const;

/**
 * Videos a crawler reads from a profile when it first finds the account (one page of the profile's video
 * list, newest first): they are all observed on that first day. docs/raw-format.md states it.
 */
export const BACK_CATALOGUE_DEPTH = 30;

/**
 * A sum of DOUBLE values that does not depend on the order DuckDB's threads add them in (so a run stays
 * byte-identical): summed as exact decimals, over the rows where `filter` holds.
 */
const exactSum = (x: string, filter?: string) =>
  `CAST(sum(CAST(${x} AS DECIMAL(38,6)))${filter ? ` FILTER (WHERE ${filter})` : ''} AS DOUBLE)`;

/** Share of a video's lifetime views gained each day after its publish day (time constant 1.6 days). */
const DAILY_ACCRUAL = 1 - Math.exp(-1 / 1.6);

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(12));

/** CASE expression choosing one of `choices` (SQL expressions) with the given weights, from uniform `u`. */
function pick(u: string, choices: readonly (readonly [string, number])[]): string {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const arms = choices.slice(0, -1).map(([value, w]) => {
    acc += w / total;
    return `WHEN ${u} < ${num(acc)} THEN ${value}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${choices[choices.length - 1]![0]} END`;
}

// prettier-ignore
const GREETINGS: Record<string, string> = {
  en: 'Hi', es: 'Hola', pt: 'Olá', id: 'Halo', jv: 'Sugeng', th: 'สวัสดี', vi: 'Xin chào', tl: 'Kumusta',
  ms: 'Hai', zh: '你好', ar: 'مرحبا', de: 'Hallo', tr: 'Merhaba', fr: 'Salut', ja: 'こんにちは', pl: 'Cześć',
  ur: 'السلام علیکم',
};
// Bio templates: {g} greeting, {c} category, {n} first name. Some carry commas, quotes, line breaks and
// emoji on purpose, so that every file encoding is exercised on real-looking text.
const SIGNATURES = [
  '{g}! {c} every day ✨',
  '{c} | tips, reviews, hauls',
  '{g} 👋 I\'m {n}, sharing my "{c}" journey',
  'Daily {c} content\nCollabs via email 📩',
  '{n} • {c} • links below',
  'Not a professional, just love {c}',
  '📍 on the road, {c} lover',
  '{g}, welcome! New videos Mon/Wed/Fri',
  '',
  'Shop my favourites 🛒 {c}',
  '{c}; honest opinions, no filters',
  '{n} here — {c}, family & coffee ☕',
];

const NAME_GROUPS = NAME_LISTS.map(([group]) => group);
const nameGroupIndex = (group: string) => NAME_GROUPS.indexOf(group);
const nameGroupOf = `CASE region ${Object.entries(REGION_NAMES)
  .map(([region, group]) => `WHEN ${lit(region)} THEN ${nameGroupIndex(group)}`)
  .join(' ')} ELSE ${nameGroupIndex('en')} END`;
const listOfLists = (lists: readonly (readonly string[])[]) =>
  `[${lists.map((l) => `[${l.map(lit).join(',')}]`).join(',')}]`;
/** One element of the list of group `group` (0-based SQL expression), chosen by uniform `u`. */
const elementOf = (lists: readonly (readonly string[])[], group: string, u: string) =>
  `list_extract(list_extract(${listOfLists(lists)}, ${group} + 1), 1 + floor(${u} * len(list_extract(${listOfLists(lists)}, ${group} + 1)))::INT)`;
const firstNameOf = (group: string, female: string, u: string) =>
  `CASE WHEN ${female} THEN ${elementOf(
    NAME_LISTS.map(([, l]) => l.female),
    group,
    u,
  )} ELSE ${elementOf(
    NAME_LISTS.map(([, l]) => l.male),
    group,
    u,
  )} END`;
const familyNameOf = (group: string, u: string) =>
  elementOf(
    NAME_LISTS.map(([, l]) => l.family),
    group,
    u,
  );

const creatorCategoryIndex = (name: string) => CREATOR_CATEGORIES.indexOf(name);
const productCategoryIndex = (id: string) => PRODUCT_CATEGORIES.findIndex((c) => c.id === id);

function productWeight(id: string): number {
  return PRODUCT_CATEGORY_PROFILE[id]?.[0] ?? 1;
}

/** Size of the product catalogue for a run. */
export function catalogSize(influencers: number): number {
  return Math.max(500, Math.ceil(influencers / 4));
}

/** Contiguous ranges of the catalogue per product category: [first index, count]. */
function catalogLayout(size: number): { lo: number[]; count: number[] } {
  const total = PRODUCT_CATEGORIES.reduce((s, c) => s + productWeight(c.id), 0);
  const count = PRODUCT_CATEGORIES.map((c) => Math.max(1, Math.floor((size * productWeight(c.id)) / total)));
  count[0]! += size - count.reduce((s, n) => s + n, 0); // the largest category absorbs rounding
  const lo: number[] = [];
  count.reduce((start, n) => (lo.push(start), start + n), 0);
  return { lo, count };
}

/** Macros and fixed tables: influencers, catalogue, initial state, seen products. */
export function setupSql(p: ModelParams): string[] {
  const P = catalogSize(p.influencers);
  const { lo, count } = catalogLayout(P);
  const seed = `${p.seed}::UBIGINT`;
  const start = p.firstDay;
  const end = p.lastDay;
  const days = end - start + 1;

  const regionOf = pick(
    'u_region',
    GENERATED_REGIONS.map((r) => [lit(r.code), r.weight]),
  );
  const tzOf = `CASE region ${GENERATED_REGIONS.map((r) => `WHEN ${lit(r.code)} THEN ${r.utcOffset}`).join(' ')} END`;
  const languageOf = `CASE region ${GENERATED_REGIONS.map(
    (r) =>
      `WHEN ${lit(r.code)} THEN ${pick(
        'u_lang',
        r.languages.map(([l, w]) => [lit(l), w]),
      )}`,
  ).join(' ')} END`;
  // 8 % of creators have no category ('' → index -1).
  const categoryOf = pick('u_cat', [
    ...CREATOR_CATEGORIES.map((c): [string, number] => [
      String(creatorCategoryIndex(c)),
      CREATOR_CATEGORY_PROFILE[c]?.[0] ?? 0.5,
    ]),
    ['-1', 9],
  ]);
  const preferredProductOf = `CASE cat_idx ${CREATOR_CATEGORIES.map((c, idx) => {
    const id = CREATOR_CATEGORY_PROFILE[c]?.[1];
    const pidx = id === undefined ? -1 : productCategoryIndex(id);
    return pidx < 0 ? '' : `WHEN ${idx} THEN ${pidx}`;
  }).join(' ')} ELSE ${pick(
    'u_pc',
    PRODUCT_CATEGORIES.map((c, idx) => [String(idx), productWeight(c.id)]),
  )} END`;
  const productCategoryOfJ = `CASE ${lo
    .slice(1)
    .map((l, idx) => `WHEN j < ${l} THEN ${idx}`)
    .join(' ')} ELSE ${lo.length - 1} END`;
  const medianPrices = PRODUCT_CATEGORIES.map((c) => num(PRODUCT_CATEGORY_PROFILE[c.id]?.[1] ?? 20));

  return [
    `SET threads = 2`,
    `SET preserve_insertion_order = true`,
    // Uniform in (0, 1): the outer hash re-mixes DuckDB's multi-argument hash, whose last argument alone
    // is weakly mixed (draws differing only in salt would otherwise correlate).
    `CREATE MACRO rnd(a, b, c) AS
       ((hash(hash(${seed}, a::BIGINT, b::BIGINT, c::BIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`,
    `CREATE MACRO nrm(a, b, c) AS sqrt(-2.0 * ln(rnd(a, b, c))) * cos(2.0 * pi() * rnd(a, b, c + 1000))`,
    // Weekday factor for posting (Sunday first; day 0 = 1970-01-01 was a Thursday).
    `CREATE MACRO weekday_factor(d) AS CASE (d + 4) % 7 WHEN 0 THEN 1.15 WHEN 1 THEN 0.9 WHEN 2 THEN 0.95
       WHEN 3 THEN 0.98 WHEN 4 THEN 1.0 WHEN 5 THEN 1.08 ELSE 1.2 END`,
    // Seconds after UTC midnight for a local time of day in hours (wraps around the day).
    `CREATE MACRO utc_second(local_hours, tz) AS
       ((floor((local_hours - tz) * 3600)::BIGINT % 86400) + 86400) % 86400`,
    // Product (catalogue index) in a shop slot of influencer i: mostly its preferred category.
    // (pc_lo, pc_count: the catalogue range of the influencer's preferred product category)
    `CREATE MACRO slot_product(i, slot, pc_lo, pc_count) AS (CASE WHEN rnd(i, slot, 150) < 0.7
       THEN pc_lo + floor(rnd(i, slot, 151) * pc_count)
       ELSE floor(rnd(i, slot, 152) * ${P}) END)::BIGINT`,
    `CREATE MACRO product_id_of(j) AS 1729380000000000000 + j * 4096 + (hash(${seed}, j::BIGINT, 2) & 4095)::BIGINT`,
    `CREATE MACRO product_index(product_id) AS (product_id - 1729380000000000000) // 4096`,
    // Prices change at the end of each product's period: a discount level drawn per period.
    `CREATE MACRO price_epoch(period, off, d) AS floor((d + off) / period)::BIGINT`,
    `CREATE MACRO price_at(j, base, period, off, d) AS round(base * (1 - CASE floor(rnd(j, price_epoch(period, off, d), 701) * 7)::INT
       WHEN 3 THEN 0.1 WHEN 4 THEN 0.15 WHEN 5 THEN 0.2 WHEN 6 THEN 0.3 ELSE 0 END), 2)`,

    `CREATE TABLE catalog AS
     SELECT j,
       product_id_of(j) AS product_id,
       cat AS cat_idx,
       list_extract([${PRODUCT_CATEGORIES.map((c) => lit(c.id)).join(',')}], cat + 1) AS category_id,
       round(greatest(0.5, list_extract([${medianPrices.join(',')}], cat + 1) * exp(0.7 * nrm(j, -2, 710))), 2) AS base_price,
       (15 + floor(60 * rnd(j, -2, 711)))::BIGINT AS period,
       floor(90 * rnd(j, -2, 712))::BIGINT AS off
     FROM (SELECT range AS j, ${productCategoryOfJ} AS cat FROM range(${P}))`,

    `CREATE TABLE inf AS
     WITH b AS (
       SELECT range AS i,
         rnd(range, -1, 101) AS u_region, rnd(range, -1, 102) AS u_lang, rnd(range, -1, 103) AS u_gender,
         rnd(range, -1, 104) AS u_cat, rnd(range, -1, 105) AS u_pc, rnd(range, -1, 106) AS u_late,
         rnd(range, -1, 107) AS u_seller
       FROM range(${p.influencers})
     ), c AS (
       SELECT *, ${regionOf} AS region, ${categoryOf} AS cat_idx,
         u_late < 0.08 AND ${days} > 1 AS late,
         u_seller < 0.13 AS seller
       FROM b
     ), d0 AS (
       SELECT *, ${tzOf} AS tz, ${languageOf} AS language FROM c
     ), d AS (
       SELECT *,
         ${preferredProductOf} AS pc,
         CASE WHEN late THEN ${start} + 1 + floor(rnd(i, -1, 108) * ${days - 1})::BIGINT ELSE ${start} END AS first_day,
         late AND rnd(i, -1, 109) < 0.5 AS newcomer,
         CASE WHEN rnd(i, -1, 110) < 0.04
           THEN least(60e6, 100000 * pow(rnd(i, -1, 111), -1 / 1.6))
           ELSE greatest(100, exp(ln(12000) + 1.0 * nrm(i, -1, 112))) END AS reach,
         CASE WHEN NOT seller THEN 0 WHEN rnd(i, -1, 113) < 0.5 THEN 1 WHEN rnd(i, -1, 113) < 0.72 THEN 2 ELSE 3 END AS seller_type
       FROM d0
     ), e AS (
       SELECT *,
         CASE WHEN region = 'US' THEN CASE WHEN u_gender < 0.55 THEN 'female' WHEN u_gender < 0.93 THEN 'male' ELSE '' END
              ELSE '' END AS gender,
         CASE WHEN region = 'US' AND language = 'es' THEN ${nameGroupIndex('es')} ELSE ${nameGroupOf} END AS name_group
       FROM d
     )
     SELECT i,
       6800000000000000000 + i * 1048576 + (hash(${seed}, i, 1) & 1048575)::BIGINT AS user_id,
       region, tz, language, gender,
       cat_idx, list_extract([${lo.join(',')}], pc + 1) AS pc_lo, list_extract([${count.join(',')}], pc + 1) AS pc_count,
       first_day,
       CASE WHEN rnd(i, -1, 114) < 0.02 AND first_day < ${end}
         THEN first_day + 1 + floor(rnd(i, -1, 115) * (${end} - first_day))::BIGINT END AS cancel_day,
       CASE WHEN rnd(i, -1, 116) < 0.7 THEN 1 ELSE 2 END AS off_reason,
       rnd(i, -1, 117) < 0.4 AS stats_after_cancel,
       CASE WHEN newcomer THEN greatest(100, reach * 0.05) ELSE reach END AS followers0,
       -- new followers per view of the account's videos: newcomers and fast growers convert best, 15 % of
       -- accounts barely convert and lose followers (churn, a daily share); big accounts convert at half
       CASE WHEN reach > 1e6 THEN 0.5 ELSE 1 END *
       CASE WHEN newcomer THEN 0.04 + 0.12 * rnd(i, -1, 119)
            WHEN rnd(i, -1, 118) < 0.15 THEN 0.002 * rnd(i, -1, 119)
            WHEN rnd(i, -1, 118) < 0.21 THEN 0.06 + 0.15 * rnd(i, -1, 119)
            ELSE least(0.2, exp(ln(0.025) + 0.6 * nrm(i, -1, 119))) END AS conv,
       CASE WHEN NOT newcomer AND rnd(i, -1, 118) < 0.15 THEN 0.0003 + 0.004 * rnd(i, -1, 120) ELSE 0 END AS churn,
       least(9000, floor(exp(ln(250) + 1.1 * nrm(i, -1, 123))))::BIGINT AS following0,
       floor(exp(ln(1500) + 1.5 * nrm(i, -1, 125)))::BIGINT AS likes_given0,
       exp(ln(8) + 1.0 * nrm(i, -1, 126)) AS likes_given_rate,
       CASE WHEN newcomer THEN floor(exp(ln(5) + nrm(i, -1, 127)))
            ELSE floor(exp(ln(120) + nrm(i, -1, 127))) END::BIGINT AS videos_older,
       least(6, exp(ln(0.08) + 1.0 * nrm(i, -1, 128))) AS post_rate,
       greatest(120, 1.1 * pow(reach, 0.85)) * exp(0.5 * nrm(i, -1, 129)) AS base_views,
       least(0.35, greatest(0.004, exp(ln(0.065) + 0.5 * nrm(i, -1, 130)))) AS engagement,
       exp(ln(25) + 0.6 * nrm(i, -1, 131)) AS duration_median,
       seller_type,
       seller_type IN (1, 3) AS sells_video,
       seller_type IN (2, 3) AS sells_live,
       CASE WHEN seller AND rnd(i, -1, 132) < 0.6
         THEN 7494000000000000000 + i * 1024 + (hash(${seed}, i, 3) & 1023)::BIGINT END AS seller_id,
       (seller OR rnd(i, -1, 133) < 0.06)::INT AS showcase0,
       -- products in the shop: a few for most, hundreds for big sellers
       CASE WHEN seller OR rnd(i, -1, 133) < 0.06
         THEN least(600, 1 + floor(exp(ln(5) + 1.1 * nrm(i, -1, 134)) * pow(reach / 12000, 0.35))) ELSE 0 END::BIGINT AS shop_slots,
       exp(0.9 * nrm(i, -1, 135)) * pow(reach / 10000, 0.4) AS sales_scale,
       -- units sold through video per view of a video promoting products
       exp(ln(0.004) + 0.8 * nrm(i, -1, 143)) AS buy_rate,
       CASE WHEN seller_type IN (2, 3) THEN 0.15 + 0.5 * rnd(i, -1, 136)
            WHEN rnd(i, -1, 137) < 0.03 THEN 0.1 + 0.4 * rnd(i, -1, 136) ELSE 0 END AS live_rate,
       rnd(i, -1, 138) < 0.35 AS has_email,
       -- display name parts: names of the region's culture and of the (estimated) gender
       ${firstNameOf('name_group', `CASE gender WHEN 'female' THEN true WHEN 'male' THEN false ELSE u_gender < 0.5 END`, 'rnd(i, -1, 139)')} AS first_name,
       ${familyNameOf('name_group', 'rnd(i, -1, 140)')} AS last_name,
       floor(rnd(i, -1, 141) * 3)::INT + 1 AS handle_style,
       ${pick('rnd(i, -1, 144)', [
         ['0', 5],
         ['1', 35],
         ['2', 40],
         ['3', 10],
         ['4', 10],
       ])} AS nick_style,
       floor(rnd(i, -1, 145) * ${NAME_EMOJI.length})::INT + 1 AS emoji1,
       CASE WHEN rnd(i, -1, 146) < 0.5 THEN floor(rnd(i, -1, 147) * ${NAME_EMOJI.length})::INT + 1 END AS emoji2,
       1 + floor(999 * rnd(i, -1, 148))::INT AS nick_number,
       floor(rnd(i, -1, 142) * ${SIGNATURES.length})::INT AS signature0
     FROM e`,

    // Videos posted by influencer i on day `pub`: a pure function of the hash, so the state's video
    // counter and the videos re-observed later agree. Nothing is posted from the cancellation day on.
    `CREATE MACRO posts_on(i, post_rate, cancel_day, pub) AS CASE WHEN cancel_day IS NULL OR pub < cancel_day
       THEN least(63, floor(post_rate * weekday_factor(pub) * (0.4 + 1.2 * rnd(i, pub, 301)) + rnd(i, pub, 302)))
       ELSE 0 END::BIGINT`,

    // Shop slots of sellers (fixed): which catalogue product each slot holds.
    // A slot's share of the influencer's video sales falls with its rank (a few products sell most).
    `CREATE TABLE slots AS
     SELECT i, user_id, slot, i * 1024 + slot AS sk, slot_product(i, slot, pc_lo, pc_count) AS j, sales_scale,
       sells_video, sells_live, first_day, cancel_day,
       (1.0 / (slot + 1)) / list_sum(list_transform(range(1, shop_slots + 1), x -> 1.0 / x)) AS share
     FROM (SELECT *, unnest(range(shop_slots)) AS slot FROM inf WHERE seller_type > 0)`,

    // Profile attribute changes (kind: 0–3 bio, 4–5 avatar, 6 name, 7–8 e-mail, 9 showcase opened).
    `CREATE TABLE changes (i BIGINT, day BIGINT, kind INTEGER)`,
    `CREATE TABLE seen (j BIGINT PRIMARY KEY)`,
    // Videos posted in the 30 days before the window (observed inside it on their schedule or on discovery).
    ...prewindowDays(p).map(videosPostedSql),
    // Counters on the eve of the window. pending(_pv): lifetime views of (product) videos not gained yet.
    // Likes received so far come from the views of the whole catalogue (older videos reached fewer viewers).
    `CREATE TABLE state AS
     WITH pre AS (
       SELECT i, count(*) AS n, ${exactSum('lifetime_views * r')} AS pending,
         ${exactSum('lifetime_views * r', 'len(products) > 0')} AS pending_pv,
         ${exactSum('lifetime_views * (1 - r)')} AS gained
       FROM (${prewindowDays(p)
         .map(
           (pub) =>
             `SELECT i, lifetime_views, products, exp(-(${start - 1 - pub} + (86400 - sec) / 86400.0) / 1.6) AS r FROM ${vidsTable(pub)}`,
         )
         .join(' UNION ALL ')})
       GROUP BY i
     )
     SELECT followers0 AS followers, following0 AS following,
       engagement * 1.05 * (base_views * 1.5 * (0.7 * least(videos_older, ${BACK_CATALOGUE_DEPTH})
         + 0.15 * greatest(0, videos_older - ${BACK_CATALOGUE_DEPTH})) + coalesce(gained, 0)) * exp(0.3 * nrm(i, -1, 124)) AS likes_received,
       likes_given0 AS likes_given, videos_older + coalesce(n, 0) AS videos,
       coalesce(pending, 0) AS pending, coalesce(pending_pv, 0) AS pending_pv, 0.0 AS gain_pv
     FROM inf LEFT JOIN pre USING (i) ORDER BY i`,
  ];
}

/** Table of the videos posted on day `pub` (quoted: days before 1970 are negative). */
const vidsTable = (pub: number) => `"vids_${pub}"`;

/** The 30 days before the window: their videos are observed inside it (on their schedule or on discovery). */
function prewindowDays(p: ModelParams): number[] {
  const oldest = VIDEO_OBSERVATION_AGES[VIDEO_OBSERVATION_AGES.length - 1]!;
  return Array.from({ length: oldest }, (_, k) => p.firstDay - oldest + k);
}

/** Creates vids_<pub>: every video posted on day `pub`, with its lifetime totals and promoted products. */
function videosPostedSql(pub: number): string {
  return `CREATE TABLE ${vidsTable(pub)} AS
    WITH n AS (
      SELECT i, user_id, first_day, cancel_day, tz, base_views, engagement, duration_median, sells_video,
        seller_type, shop_slots, pc_lo, pc_count, posts_on(i, post_rate, cancel_day, ${pub}) AS n
      FROM inf
    ), v AS (
      -- (nothing before 1970-01-01: ids and times start there)
      SELECT * EXCLUDE (n), unnest(range(n)) AS k FROM n WHERE n > 0 AND ${pub} >= 0
    ), w AS (
      SELECT *, i * 64 + k AS vk,
        utc_second(CASE WHEN rnd(i * 64 + k, ${pub}, 401) < 0.22 THEN 12.5 + 1.5 * nrm(i * 64 + k, ${pub}, 402)
                        WHEN rnd(i * 64 + k, ${pub}, 401) < 0.85 THEN 20 + 2.0 * nrm(i * 64 + k, ${pub}, 402)
                        ELSE 24 * rnd(i * 64 + k, ${pub}, 403) END, tz) AS sec,
        -- number of shop products promoted (0–2) and the products in the shop slots they come from
        CASE WHEN rnd(i * 64 + k, ${pub}, 411) < CASE WHEN shop_slots = 0 THEN 0 WHEN sells_video THEN 0.55
                                                    WHEN seller_type = 2 THEN 0.1 ELSE 0.3 END
          THEN 1 + (rnd(i * 64 + k, ${pub}, 412) < 0.25)::BIGINT ELSE 0 END AS promoted,
        product_id_of(slot_product(i, floor(rnd(i * 64 + k, ${pub}, 420) * shop_slots)::BIGINT, pc_lo, pc_count)) AS p1,
        product_id_of(slot_product(i, floor(rnd(i * 64 + k, ${pub}, 421) * shop_slots)::BIGINT, pc_lo, pc_count)) AS p2
      FROM v
    )
    SELECT i, user_id, first_day, cancel_day, sec,
      ((${pub} * 86400 + sec)::UBIGINT << 32) + (vk & 4294967295)::UBIGINT AS video_id,
      make_timestamp((${pub} * 86400 + sec) * 1000000) AS create_time,
      least(600, greatest(5, round(duration_median * exp(0.7 * nrm(vk, ${pub}, 404)))))::BIGINT AS duration_sec,
      base_views * exp(0.9 * nrm(vk, ${pub}, 405))
        * CASE WHEN rnd(vk, ${pub}, 406) < 0.004 THEN 10 + 90 * rnd(vk, ${pub}, 407) ELSE 1 END AS lifetime_views,
      least(0.5, engagement * exp(0.3 * nrm(vk, ${pub}, 408))) AS like_rate,
      0.004 + 0.03 * rnd(vk, ${pub}, 409) AS comment_rate,
      0.002 + 0.04 * rnd(vk, ${pub}, 410) AS share_rate,
      CASE promoted WHEN 0 THEN []::BIGINT[] WHEN 1 THEN [p1] WHEN 2 THEN
        CASE WHEN p1 = p2 THEN [p1] ELSE [least(p1, p2), greatest(p1, p2)] END END AS products
    FROM w`;
}

/** Alive on day d: visible (first day reached) and not cancelled before d. */
const aliveOn = (d: number) => `first_day <= ${d} AND (cancel_day IS NULL OR ${d} < cancel_day)`;

/** Ages (days) of the videos of the last 30 days that only a discovery reads (the others are scheduled). */
const DISCOVERY_AGES = Array.from({ length: 29 }, (_, k) => k + 1).filter(
  (age) => !(VIDEO_OBSERVATION_AGES as readonly number[]).includes(age),
);

/**
 * Videos observed on day d, by authors alive on d: posted that day or 1, 7, 30 days before; and for an
 * account first observed on d, its other videos of the last 30 days and its older back catalogue (c_today).
 */
function observedVideos(d: number): string {
  // prev_day: the video's previous observation day (null on its first observation)
  const posted = VIDEO_OBSERVATION_AGES.map(
    (age, k) =>
      `SELECT *, ${age} AS age, ${k === 0 ? 'NULL' : d - age + VIDEO_OBSERVATION_AGES[k - 1]!}::BIGINT AS prev_day FROM ${vidsTable(d - age)}`,
  );
  const discovered = DISCOVERY_AGES.map(
    (age) =>
      `SELECT *, ${age} AS age, NULL::BIGINT AS prev_day FROM ${vidsTable(d - age)} WHERE first_day = ${d}`,
  );
  const catalogue = `SELECT *, NULL::BIGINT AS prev_day FROM c_today`;
  return `SELECT * FROM (${[...posted, ...discovered, catalogue].join(' UNION ALL ')}) WHERE ${aliveOn(d)}`;
}

/**
 * c_today: the back catalogue of the accounts first observed on day d, beyond their videos of the last 30
 * days: their newest older videos, up to BACK_CATALOGUE_DEPTH videos in all. Same columns as vids_<day>,
 * plus the age. Spaced by the account's posting rhythm; fewer views than today's videos.
 */
function catalogueSql(d: number): string {
  const recent = Array.from(
    { length: 30 },
    (_, k) => `SELECT i FROM ${vidsTable(d - k - 1)} WHERE first_day = ${d}`,
  ).join(' UNION ALL ');
  return `CREATE OR REPLACE TEMP TABLE c_today AS
    WITH r AS (SELECT i, count(*) AS n FROM (${recent}) GROUP BY i),
    a AS (
      SELECT inf.*, least(videos_older, greatest(0, ${BACK_CATALOGUE_DEPTH} - coalesce(r.n, 0))) AS nb
      FROM inf LEFT JOIN r USING (i) WHERE first_day = ${d}
    ), v AS (
      SELECT *, i * 64 + k AS vk,
        ${d} - 31 - floor((k + rnd(i * 64 + k, ${d}, 431)) * least(30.0, 1.0 / post_rate))::BIGINT AS pub
      FROM (SELECT *, unnest(range(nb)) AS k FROM a WHERE nb > 0)
    ), w AS (
      SELECT *, utc_second(20 + 2.0 * nrm(vk, pub, 402), tz) AS sec,
        CASE WHEN shop_slots > 0 AND rnd(vk, pub, 411) < CASE WHEN sells_video THEN 0.4 ELSE 0.15 END
          THEN [product_id_of(slot_product(i, floor(rnd(vk, pub, 420) * shop_slots)::BIGINT, pc_lo, pc_count))]
          ELSE []::BIGINT[] END AS products
      FROM v WHERE pub >= 0
    )
    SELECT i, user_id, first_day, cancel_day, sec,
      ((pub * 86400 + sec)::UBIGINT << 32) + (vk & 4294967295)::UBIGINT AS video_id,
      make_timestamp((pub * 86400 + sec) * 1000000) AS create_time,
      least(600, greatest(5, round(duration_median * exp(0.7 * nrm(vk, pub, 404)))))::BIGINT AS duration_sec,
      0.7 * base_views * exp(0.9 * nrm(vk, pub, 405)) AS lifetime_views,
      least(0.5, engagement * exp(0.3 * nrm(vk, pub, 408))) AS like_rate,
      0.004 + 0.03 * rnd(vk, pub, 409) AS comment_rate,
      0.002 + 0.04 * rnd(vk, pub, 410) AS share_rate,
      products, ${d} - pub AS age
    FROM w`;
}

/** SQL that advances the state to day `d` and builds the day's temp tables. */
export function daySql(d: number, firstDay: number): string[] {
  const alive = aliveOn(d);
  return [
    videosPostedSql(d),
    // Views gained today by the account's videos: the pending views of earlier videos decay by the accrual
    // rate; today's videos gain their share of the rest of the day.
    `CREATE OR REPLACE TEMP TABLE n_today AS
     SELECT i, ${exactSum('lifetime_views')} AS posted, ${exactSum('lifetime_views * g')} AS gained,
       coalesce(${exactSum('lifetime_views', 'len(products) > 0')}, 0) AS posted_pv,
       coalesce(${exactSum('lifetime_views * g', 'len(products) > 0')}, 0) AS gained_pv
     FROM (SELECT *, 1 - exp(-((86400 - sec) / 86400.0) / 1.6) AS g FROM ${vidsTable(d)}) GROUP BY i`,
    // Counters advance by the day's views: new followers and likes come from them (minus churn);
    // cancelled accounts freeze. state and inf hold the same influencers in the same order.
    `CREATE OR REPLACE TABLE state AS
     WITH s AS (
       SELECT state.*, inf.i, conv, churn, engagement, likes_given_rate,
         cancel_day IS NOT NULL AND ${d} >= cancel_day AS frozen,
         posts_on(inf.i, post_rate, cancel_day, ${d}) AS posted_cnt
       FROM state POSITIONAL JOIN inf
     ), g AS (
       SELECT s.*, pending * ${DAILY_ACCRUAL} + coalesce(n.gained, 0) AS gain,
         pending_pv * ${DAILY_ACCRUAL} + coalesce(n.gained_pv, 0) AS gain_today_pv,
         coalesce(n.posted, 0) - coalesce(n.gained, 0) AS added, coalesce(n.posted_pv, 0) - coalesce(n.gained_pv, 0) AS added_pv
       FROM s LEFT JOIN n_today n ON n.i = s.i
     )
     SELECT
       CASE WHEN frozen THEN followers
            ELSE greatest(0, followers + conv * gain * (0.5 + rnd(i, ${d}, 201)) - churn * followers * (0.5 + rnd(i, ${d}, 207))) END AS followers,
       following + CASE WHEN NOT frozen AND rnd(i, ${d}, 202) < 0.08 THEN floor(1 + 6 * rnd(i, ${d}, 203)) ELSE 0 END::BIGINT AS following,
       likes_received + CASE WHEN frozen THEN 0 ELSE engagement * 1.05 * gain END AS likes_received,
       likes_given + CASE WHEN frozen THEN 0 ELSE floor(likes_given_rate * 2 * rnd(i, ${d}, 206)) END::BIGINT AS likes_given,
       videos + posted_cnt AS videos,
       pending * ${1 - DAILY_ACCRUAL} + added AS pending,
       pending_pv * ${1 - DAILY_ACCRUAL} + added_pv AS pending_pv,
       gain_today_pv AS gain_pv
     FROM g ORDER BY i`,
    catalogueSql(d),
    // About 1 % of visible, active profiles change an attribute each day.
    `INSERT INTO changes
     SELECT i, ${d}, floor(rnd(i, ${d}, 211) * 10)::INT FROM inf
     WHERE ${d} > first_day AND (cancel_day IS NULL OR ${d} < cancel_day) AND rnd(i, ${d}, 210) < 0.01`,

    // Live sessions: hosts go live on a share of days, 12 % of live days twice (midday and evening).
    `CREATE OR REPLACE TEMP TABLE l_today AS
     WITH h AS (
       SELECT i, user_id, tz, followers0, 1 + (rnd(i, ${d}, 602) < 0.12)::BIGINT AS sessions
       FROM inf WHERE live_rate > 0 AND ${alive} AND rnd(i, ${d}, 601) < live_rate
     ), s AS (SELECT *, unnest(range(sessions)) AS k FROM h)
     SELECT i, user_id, k,
       utc_second(CASE WHEN k = 0 THEN 20.5 + 1.5 * nrm(i * 4 + k, ${d}, 603) ELSE 13 + 1.5 * nrm(i * 4 + k, ${d}, 603) END, tz) AS sec,
       least(21600, greatest(600, round(exp(ln(4500) + 0.6 * nrm(i * 4 + k, ${d}, 604)))))::BIGINT AS duration_sec,
       greatest(5, floor(0.3 * pow(followers0, 0.85) * exp(0.8 * nrm(i * 4 + k, ${d}, 605))))::BIGINT AS viewers
     FROM s`,

    // Product sales by channel: video sales come from today's views of the account's videos promoting
    // products (units ∝ views × buy rate, spread over the shop slots by rank); live sellers sell on the days
    // they go live. Slots that hold the same product are summed (one row per key).
    `CREATE OR REPLACE TEMP TABLE s_today AS
     WITH a AS (SELECT * FROM slots WHERE ${alive}),
     demand AS (
       SELECT i, gain_pv * buy_rate AS units FROM state POSITIONAL JOIN inf WHERE sells_video AND gain_pv > 0
     ),
     video AS (
       SELECT i, user_id, j, 'video' AS channel,
         floor(demand.units * share * exp(0.5 * nrm(sk, ${d}, 502) - 0.125) + rnd(sk, ${d}, 501))::BIGINT AS units
       FROM a JOIN demand USING (i) WHERE sells_video
     ), live AS (
       SELECT i, user_id, j, 'live' AS channel,
         greatest(1, floor(exp(ln(3 * sales_scale) + 0.9 * nrm(sk, ${d}, 512))))::BIGINT AS units
       FROM a WHERE sells_live AND rnd(sk, ${d}, 511) < 0.5 AND i IN (SELECT i FROM l_today)
     ), u AS (
       SELECT i, user_id, j, channel, sum(units)::BIGINT AS units FROM (FROM video UNION ALL FROM live)
       WHERE units > 0 GROUP BY ALL
     )
     SELECT u.*, product_id, category_id, price_at(j, base_price, period, off, ${d}) AS price,
       round(units * price_at(j, base_price, period, off, ${d}), 2) AS gmv
     FROM u JOIN catalog USING (j)`,

    // Products: first seen today (promoted or sold), or seen before and repriced today.
    `CREATE OR REPLACE TEMP TABLE p_today AS
     WITH referenced AS (
       SELECT DISTINCT j FROM (
         SELECT product_index(unnest(products)) AS j FROM (${observedVideos(d)})
         -- a re-observed video's products were reported when it was last observed, if it was
         WHERE prev_day IS NULL OR prev_day < first_day OR prev_day < ${firstDay}
         UNION ALL SELECT j FROM s_today)
     ), changed AS (
       SELECT j FROM seen JOIN catalog USING (j)
       WHERE price_epoch(period, off, ${d}) <> price_epoch(period, off, ${d - 1})
     ), todo AS (
       SELECT j FROM referenced WHERE j NOT IN (SELECT j FROM seen) UNION SELECT j FROM changed
     )
     SELECT j, product_id, category_id, price_at(j, base_price, period, off, ${d}) AS price
     FROM todo JOIN catalog USING (j)`,
    `INSERT INTO seen SELECT j FROM p_today WHERE j NOT IN (SELECT j FROM seen)`,
  ];
}

/** SQL run after the day's files are written: videos too old to be observed again are dropped. */
export function dayEndSql(d: number): string[] {
  return [`DROP TABLE ${vidsTable(d - VIDEO_OBSERVATION_AGES[VIDEO_OBSERVATION_AGES.length - 1]!)}`];
}

/** The day's rows of one raw table, in RAW_TABLES column order, with typed columns (parquet types). */
export function tableSelect(table: string, d: number): string {
  switch (table) {
    case 'profiles': {
      const first = `first_name`;
      const last = `last_name`;
      // handles and e-mail addresses are ASCII letters and digits
      const ascii = (x: string) => `regexp_replace(strip_accents(lower(${x})), '[^a-z0-9]', '', 'g')`;
      const emoji = (k: string) => `list_extract([${NAME_EMOJI.map(lit).join(',')}], ${k})`;
      const category = `coalesce(list_extract([${CREATOR_CATEGORIES.map(lit).join(',')}], cat_idx + 1), '')`;
      const greeting = `CASE language ${Object.entries(GREETINGS)
        .map(([l, g]) => `WHEN ${lit(l)} THEN ${lit(g)}`)
        .join(' ')} ELSE 'Hi' END`;
      const signature = `replace(replace(replace(list_extract([${SIGNATURES.map(lit).join(',')}],
          ((signature0 + coalesce(signature_v, 0) * 5) % ${SIGNATURES.length})::INT + 1),
          '{g}', ${greeting}), '{c}', CASE WHEN cat_idx < 0 THEN 'life' ELSE lower(${category}) END), '{n}', ${first})`;
      return `SELECT user_id,
          ${ascii(first)} || list_extract(['_', '.', ''], handle_style) || ${ascii(last)} || i::VARCHAR AS unique_id,
          -- a name change moves to the next style; numbers and emoji make names unique-ish in a region
          CASE (nick_style + coalesce(nick_v, 0)) % 5
               WHEN 0 THEN ${first} || ' ' || ${last}
               WHEN 1 THEN ${first} || ' ' || ${last} || ' ' || ${emoji('emoji1')} || coalesce(${emoji('emoji2')}, '')
               WHEN 2 THEN ${ascii(first)} || list_extract(['.', '_', ''], handle_style) || ${ascii(last)} || nick_number::VARCHAR
               WHEN 3 THEN ${first} || ' | ' || CASE WHEN cat_idx < 0 THEN 'Life' ELSE ${category} END || ' ' || ${emoji('emoji1')}
               ELSE ${first} || ' ' || left(${last}, 1) || '. ' || ${emoji('emoji1')} END AS nick_name,
          'https://img.kolscope.example/avatar/' || user_id::VARCHAR || '_' || coalesce(avatar_v, 0)::VARCHAR || '.jpeg' AS avatar,
          ${signature} AS signature,
          region, language, gender, ${category} AS category,
          CASE WHEN has_email <> (coalesce(email_v, 0) % 2 = 1)
               THEN ${ascii(first)} || '.' || ${ascii(last)} || i::VARCHAR || '@mail.example' ELSE '' END AS contact_email,
          seller_id,
          greatest(showcase0, least(1, coalesce(showcase_v, 0)))::BIGINT AS show_case_flag,
          CASE WHEN cancel_day IS NOT NULL AND ${d} >= cancel_day THEN off_reason ELSE 0 END::BIGINT AS off_mark
        FROM inf JOIN (
          SELECT i FROM inf WHERE first_day = ${d} OR cancel_day = ${d}
          UNION SELECT i FROM changes WHERE day = ${d}
        ) USING (i) LEFT JOIN (
          SELECT i, count(*) FILTER (kind = 6) AS nick_v, count(*) FILTER (kind <= 3 OR kind = 9) AS signature_v,
            count(*) FILTER (kind IN (4, 5)) AS avatar_v, count(*) FILTER (kind IN (7, 8)) AS email_v,
            count(*) FILTER (kind = 9) AS showcase_v
          FROM changes GROUP BY i
        ) v USING (i)
        ORDER BY i`;
    }
    case 'profile_stats':
      return `SELECT user_id, floor(followers)::BIGINT AS followers_cnt, following AS following_cnt,
          floor(likes_received)::BIGINT AS likes_received_cnt, likes_given AS likes_given_cnt, videos AS video_cnt
        FROM state POSITIONAL JOIN inf
        WHERE first_day <= ${d} AND (cancel_day IS NULL OR ${d} <= cancel_day OR stats_after_cancel)`;
    case 'videos':
      // Crawled at the end of the day: a video has been up for `age` days plus the rest of its publish day.
      return `WITH o AS (
          SELECT *, floor(lifetime_views * (1 - exp(-(age + (86400 - sec) / 86400.0) / 1.6)))::BIGINT AS views
          FROM (${observedVideos(d)})
        )
        SELECT video_id, user_id, create_time, duration_sec, views AS views_cnt,
          floor(views * like_rate)::BIGINT AS likes_cnt,
          floor(floor(views * like_rate) * comment_rate)::BIGINT AS comments_cnt,
          floor(floor(views * like_rate) * share_rate)::BIGINT AS shares_cnt,
          products AS product_ids
        FROM o ORDER BY i, create_time, video_id`;
    case 'lives':
      return `WITH g AS (SELECT i, CAST(sum(CAST(gmv AS DECIMAL(38,2))) AS DOUBLE) AS gmv FROM s_today WHERE channel = 'live' GROUP BY i)
        SELECT ((${d} * 86400 + sec)::UBIGINT << 32) + (2147483648 + i * 4 + k)::UBIGINT AS live_id,
          user_id, make_timestamp((${d} * 86400 + sec) * 1000000) AS start_time, duration_sec,
          viewers AS viewers_cnt,
          round(coalesce(g.gmv, 0) * viewers / sum(viewers) OVER (PARTITION BY i), 2) AS gmv_amt
        FROM l_today l LEFT JOIN g USING (i) ORDER BY i, k`;
    case 'products':
      return `SELECT product_id, category_id AS product_category_id, price AS price_amt FROM p_today ORDER BY j`;
    case 'product_sales':
      return `SELECT user_id, product_id, category_id AS product_category_id, channel, units,
          gmv AS gmv_amt, price AS price_amt
        FROM s_today ORDER BY i, j, channel`;
  }
  throw new Error(`no generator for raw table ${table}`);
}
