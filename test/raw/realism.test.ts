// The generated crawl has the shape the product's searches need: regions with the US largest, gender only
// in the US, heavy-tailed reach, a minority of sellers by channel, late and cancelled accounts, and
// counters that stay consistent from day to day; and the causes behind the numbers: views bring followers,
// likes and video sales, the first observation of an account reads its back catalogue, big sellers promote
// hundreds of products, display names follow region and gender and rarely repeat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { CREATOR_CATEGORIES, PRODUCT_CATEGORIES } from '../../src/raw/reference.ts';
import { RAW_TABLES } from '../../src/raw/format.ts';
import { BACK_CATALOGUE_DEPTH } from '../../src/raw/model.ts';
import { NAME_LISTS, REGION_NAMES } from '../../src/raw/names.ts';
import { generate, rows, scalar, tempDir, type TempDir } from './support.ts';

let tmp: TempDir;
let instance: DuckDBInstance;
let db: DuckDBConnection;
const INFLUENCERS = 2000;
const DAYS = 31; // a 30-day window: the edge is the first day

before(async () => {
  tmp = await tempDir('realism');
  const s = await generate(tmp.dir, 'crawl', {
    influencers: INFLUENCERS,
    days: DAYS,
    seed: 11,
    end: '2026-05-10',
  });
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  db = await instance.connect();
  // One view per table over all days, with the batch day taken from the directory name.
  for (const t of RAW_TABLES)
    await db.run(
      `CREATE VIEW ${t.name} AS SELECT * EXCLUDE (filename),
         regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})', 1)::DATE AS day
       FROM read_parquet('${join(s.outDir, '*', `${t.name}.parquet`)}', filename = true)`,
    );
  // The latest profile row per influencer.
  await db.run(
    `CREATE VIEW latest AS SELECT * FROM profiles QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY day DESC) = 1`,
  );
});
after(async () => {
  db?.closeSync();
  instance?.closeSync();
  await tmp?.remove();
});

describe('influencers', () => {
  test('every influencer has a profile on its first day; the US is the largest region (30–45 %)', async () => {
    const first = await scalar(
      db,
      `SELECT count(*) FROM (SELECT user_id, min(day) AS d FROM profile_stats GROUP BY 1) s
       WHERE NOT EXISTS (SELECT 1 FROM profiles p WHERE p.user_id = s.user_id AND p.day = s.d)`,
    );
    assert.equal(first, 0, 'influencers whose first stats day has no profile row');
    const total = await scalar(db, `SELECT count(DISTINCT user_id) FROM profiles`);
    assert.ok(total > INFLUENCERS * 0.95 && total <= INFLUENCERS, `${total} influencers seen`);
    const regions = await rows(db, `SELECT region, count(*) AS n FROM latest GROUP BY 1 ORDER BY n DESC`);
    assert.ok(regions.length >= 10, `${regions.length} regions`);
    assert.equal(regions[0]!.region, 'US');
    const usShare = Number(regions[0]!.n) / total;
    assert.ok(usShare > 0.3 && usShare < 0.45, `US share ${usShare}`);
    for (const r of regions) assert.match(String(r.region), /^[A-Z]{2}$/);
  });

  test('gender is filled only for US accounts (and for most of them)', async () => {
    assert.equal(await scalar(db, `SELECT count(*) FROM profiles WHERE region <> 'US' AND gender <> ''`), 0);
    const usWithGender = await scalar(db, `SELECT avg((gender <> '')::INT) FROM latest WHERE region = 'US'`);
    assert.ok(usWithGender > 0.8, `US accounts with gender: ${usWithGender}`);
    assert.ok((await scalar(db, `SELECT count(DISTINCT gender) FROM latest WHERE region = 'US'`)) === 3);
  });

  test('languages follow regions, with a minority of other languages', async () => {
    const idIndonesian = await scalar(
      db,
      `SELECT avg((language = 'id')::INT) FROM latest WHERE region = 'ID'`,
    );
    assert.ok(idIndonesian > 0.8 && idIndonesian < 1, `ID accounts in Indonesian: ${idIndonesian}`);
    const usEnglish = await scalar(db, `SELECT avg((language = 'en')::INT) FROM latest WHERE region = 'US'`);
    assert.ok(usEnglish > 0.8 && usEnglish < 1, `US accounts in English: ${usEnglish}`);
    assert.equal(
      await scalar(db, `SELECT count(*) FROM latest WHERE region = 'BR' AND language NOT IN ('pt', 'en')`),
      0,
    );
  });

  test('creator categories come from the reference list, some accounts have none', async () => {
    const names = (await rows(db, `SELECT DISTINCT category FROM latest`)).map((r) => String(r.category));
    for (const n of names) assert.ok(n === '' || CREATOR_CATEGORIES.includes(n), `unknown category ${n}`);
    assert.ok(names.includes(''));
    assert.ok(names.length > 15, `${names.length} categories used`);
  });

  test('followers are heavy-tailed: most between 1k and 100k, a long tail above', async () => {
    const [q] = await rows(
      db,
      `SELECT quantile_cont(followers_cnt, 0.5) AS median, quantile_cont(followers_cnt, 0.99) AS p99,
         max(followers_cnt) AS max, avg((followers_cnt BETWEEN 1000 AND 100000)::INT) AS body
       FROM profile_stats WHERE day = (SELECT max(day) FROM profile_stats)`,
    );
    const [median, p99, max, body] = [Number(q!.median), Number(q!.p99), Number(q!.max), Number(q!.body)];
    assert.ok(median > 5000 && median < 30000, `median ${median}`);
    assert.ok(body > 0.7, `share within 1k–100k: ${body}`);
    assert.ok(p99 > 10 * median, `p99 ${p99} vs median ${median}`);
    assert.ok(max > 1_000_000, `max ${max}`);
  });

  test('engagement is correlated with reach', async () => {
    const corr = await scalar(
      db,
      `SELECT corr(ln(1 + s.followers_cnt), ln(1 + v.views)) FROM
         (SELECT user_id, avg(views_cnt) AS views FROM videos GROUP BY 1) v
         JOIN (SELECT user_id, max(followers_cnt) AS followers_cnt FROM profile_stats GROUP BY 1) s USING (user_id)`,
    );
    assert.ok(corr > 0.5, `correlation of log followers and log views: ${corr}`);
  });
});

describe('growth over days', () => {
  test('cumulative counters never decrease; followers grow for most and decline for some', async () => {
    const [r] = await rows(
      db,
      `WITH d AS (
         SELECT user_id, followers_cnt - lag(followers_cnt) OVER w AS df,
           likes_received_cnt - lag(likes_received_cnt) OVER w AS dl,
           likes_given_cnt - lag(likes_given_cnt) OVER w AS dg,
           video_cnt - lag(video_cnt) OVER w AS dv
         FROM profile_stats WINDOW w AS (PARTITION BY user_id ORDER BY day)
       ), u AS (
         SELECT user_id, min(df) AS min_df, max(df) AS max_df, min(dl) AS min_dl, min(dg) AS min_dg, min(dv) AS min_dv
         FROM d WHERE df IS NOT NULL GROUP BY 1
       )
       SELECT count(*) FILTER (min_dl < 0 OR min_dg < 0 OR min_dv < 0) AS decreasing_cumulative,
         avg((min_df >= 0 AND max_df > 0)::INT) AS growing, avg((max_df <= 0 AND min_df < 0)::INT) AS declining
       FROM u`,
    );
    assert.equal(Number(r!.decreasing_cumulative), 0);
    assert.ok(Number(r!.growing) > 0.6, `growing share ${r!.growing}`);
    assert.ok(Number(r!.declining) > 0.05 && Number(r!.declining) < 0.3, `declining share ${r!.declining}`);
  });

  test('video_cnt grows by the videos posted that day', async () => {
    // For accounts seen every day, the videos first observed on a day (posted that day) add up to the
    // increase of video_cnt that day.
    const mismatches = await scalar(
      db,
      `WITH posted AS (
         SELECT user_id, create_time::DATE AS day, count(DISTINCT video_id) AS n FROM videos
         WHERE create_time::DATE = day GROUP BY ALL
       ), inc AS (
         SELECT user_id, day, video_cnt - lag(video_cnt) OVER (PARTITION BY user_id ORDER BY day) AS n
         FROM profile_stats
       )
       SELECT count(*) FROM inc LEFT JOIN posted USING (user_id, day)
       WHERE inc.n IS NOT NULL AND inc.n <> coalesce(posted.n, 0)
         AND user_id NOT IN (SELECT user_id FROM profiles WHERE off_mark > 0)`,
    );
    assert.equal(mismatches, 0);
  });

  test('some accounts appear after the first day, some get cancelled', async () => {
    const late = await scalar(
      db,
      `SELECT count(*) FROM (SELECT user_id, min(day) AS d FROM profile_stats GROUP BY 1)
       WHERE d > (SELECT min(day) FROM profile_stats)`,
    );
    assert.ok(late > INFLUENCERS * 0.02 && late < INFLUENCERS * 0.15, `${late} late accounts`);
    const cancelled = await rows(
      db,
      `SELECT user_id, min(day) AS d FROM profiles WHERE off_mark > 0 GROUP BY 1`,
    );
    assert.ok(cancelled.length > 5 && cancelled.length < INFLUENCERS * 0.05, `${cancelled.length} cancelled`);
    // A cancelled account was active before its cancellation day and posts nothing from then on.
    const activeBefore = await scalar(
      db,
      `SELECT count(DISTINCT p.user_id) FROM profiles p JOIN
         (SELECT user_id, min(day) AS d FROM profiles WHERE off_mark > 0 GROUP BY 1) c
         ON p.user_id = c.user_id AND p.day < c.d AND p.off_mark = 0`,
    );
    assert.ok(activeBefore > 0);
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM videos v JOIN (SELECT user_id, min(day) AS d FROM profiles WHERE off_mark > 0 GROUP BY 1) c
         USING (user_id) WHERE v.day >= c.d`,
      ),
      0,
    );
  });

  test('about 1 % of profiles change per day; unchanged profiles are not repeated', async () => {
    const repeats = await scalar(
      db,
      `SELECT count(*) FROM (
         SELECT *, lag(signature) OVER w AS signature0, lag(nick_name) OVER w AS nick0, lag(avatar) OVER w AS avatar0,
           lag(contact_email) OVER w AS email0, lag(show_case_flag) OVER w AS showcase0, lag(off_mark) OVER w AS off0
         FROM profiles WINDOW w AS (PARTITION BY user_id ORDER BY day))
       WHERE signature0 = signature AND nick0 = nick_name AND avatar0 = avatar AND email0 = contact_email
         AND showcase0 = show_case_flag AND off0 = off_mark`,
    );
    const changes = await scalar(
      db,
      `SELECT count(*) FROM profiles p WHERE day > (SELECT min(day) FROM profiles)
         AND EXISTS (SELECT 1 FROM profiles q WHERE q.user_id = p.user_id AND q.day < p.day)`,
    );
    const perDay = changes / (DAYS - 1) / INFLUENCERS;
    assert.ok(perDay > 0.004 && perDay < 0.03, `changed profiles per day ${perDay}`);
    // A change of bio template may by chance land on the same text; such repeats stay rare.
    assert.ok(repeats < changes * 0.2, `${repeats} repeated of ${changes}`);
  });
});

describe('videos', () => {
  test('observed on their publish day and again later, with growing counters', async () => {
    const [r] = await rows(
      db,
      `WITH firsts AS (SELECT video_id, user_id, min(day) AS d, any_value(create_time) AS t FROM videos GROUP BY ALL),
         seen AS (SELECT user_id, min(day) AS since FROM profile_stats GROUP BY 1)
       SELECT count(*) FILTER (t::DATE >= since AND d <> t::DATE) AS late_first,
         (SELECT count(*) FROM (SELECT video_id FROM videos GROUP BY 1 HAVING count(*) > 1)) AS reobserved
       FROM firsts JOIN seen USING (user_id)`,
    );
    // (videos posted before an account is first crawled are first seen on a later re-observation)
    assert.equal(
      Number(r!.late_first),
      0,
      'videos posted while crawled are first observed on their publish day',
    );
    assert.ok(Number(r!.reobserved) > 100);
    const decreasing = await scalar(
      db,
      `SELECT count(*) FROM (SELECT views_cnt - lag(views_cnt) OVER w AS dv, likes_cnt - lag(likes_cnt) OVER w AS dl,
         comments_cnt - lag(comments_cnt) OVER w AS dc, shares_cnt - lag(shares_cnt) OVER w AS ds
         FROM videos WINDOW w AS (PARTITION BY video_id ORDER BY day))
       WHERE dv < 0 OR dl < 0 OR dc < 0 OR ds < 0`,
    );
    assert.equal(decreasing, 0);
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM (SELECT video_id FROM videos GROUP BY 1 HAVING count(DISTINCT user_id) > 1 OR count(DISTINCT create_time) > 1)`,
      ),
      0,
    );
  });

  test('durations 5 s–10 min; publish hours and weekdays have peaks', async () => {
    const [d] = await rows(db, `SELECT min(duration_sec) AS lo, max(duration_sec) AS hi FROM videos`);
    assert.ok(Number(d!.lo) >= 5 && Number(d!.hi) <= 600, `durations ${d!.lo}–${d!.hi}`);
    const hours = (
      await rows(db, `SELECT hour(create_time) AS h, count(DISTINCT video_id) AS n FROM videos GROUP BY 1`)
    ).map((r) => Number(r.n));
    assert.ok(Math.max(...hours) > 2.5 * Math.min(...hours), `hour counts ${hours}`);
    const per = await scalar(
      db,
      `SELECT count(DISTINCT video_id) / (${INFLUENCERS} * ${DAYS}) FROM videos WHERE create_time::DATE = day`,
    );
    assert.ok(per > 0.05 && per < 0.3, `new videos per influencer-day ${per}`);
  });
});

describe('commerce', () => {
  test('a minority sells, by video, by live, or both; some only open the showcase', async () => {
    const [r] = await rows(
      db,
      `WITH ch AS (SELECT user_id, bool_or(channel = 'video') AS v, bool_or(channel = 'live') AS l FROM product_sales GROUP BY 1)
       SELECT count(*) FILTER (v AND NOT l) AS video_only, count(*) FILTER (l AND NOT v) AS live_only,
         count(*) FILTER (v AND l) AS both, count(*) AS sellers,
         (SELECT count(*) FROM latest WHERE show_case_flag = 1 AND user_id NOT IN (SELECT user_id FROM ch)) AS showcase_only,
         (SELECT count(*) FROM latest WHERE seller_id IS NOT NULL) AS with_seller_id,
         (SELECT count(*) FROM latest WHERE seller_id IS NOT NULL AND show_case_flag = 0) AS seller_id_without_showcase
       FROM ch`,
    );
    const n = (k: string) => Number(r![k]);
    assert.ok(
      n('sellers') > INFLUENCERS * 0.06 && n('sellers') < INFLUENCERS * 0.2,
      `${n('sellers')} sellers`,
    );
    for (const k of ['video_only', 'live_only', 'both', 'showcase_only'])
      assert.ok(n(k) > 10, `${k}: ${n(k)}`);
    assert.ok(
      n('with_seller_id') > 0 && n('with_seller_id') < n('sellers'),
      `seller ids ${n('with_seller_id')}`,
    );
    assert.equal(n('seller_id_without_showcase'), 0);
  });

  test('sales and promoted products reference known products of the reference categories', async () => {
    const ids = PRODUCT_CATEGORIES.map((c) => `'${c.id}'`).join(', ');
    assert.equal(
      await scalar(db, `SELECT count(*) FROM products WHERE product_category_id NOT IN (${ids})`),
      0,
    );
    // Every product sold or promoted was reported in products on or before that day, with the same category.
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM product_sales s WHERE NOT EXISTS (SELECT 1 FROM products p
           WHERE p.product_id = s.product_id AND p.day <= s.day AND p.product_category_id = s.product_category_id)`,
      ),
      0,
    );
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM (SELECT day, unnest(product_ids) AS product_id FROM videos) v
         WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.product_id = v.product_id AND p.day <= v.day)`,
      ),
      0,
    );
    // Sales are priced at the product's latest list price and gmv = units × price.
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM product_sales s WHERE abs(gmv_amt - units * price_amt) > 0.011
           OR price_amt <> (SELECT p.price_amt FROM products p WHERE p.product_id = s.product_id AND p.day <= s.day
                            ORDER BY p.day DESC LIMIT 1)`,
      ),
      0,
    );
    const promoted = await scalar(
      db,
      `SELECT count(DISTINCT video_id) FROM videos WHERE len(product_ids) > 0`,
    );
    assert.ok(promoted > 50, `${promoted} videos promote products`);
  });

  test('live sessions belong to live sellers and hosts; their GMV adds up to live sales', async () => {
    const mismatch = await scalar(
      db,
      `WITH l AS (SELECT user_id, day, sum(gmv_amt) AS gmv FROM lives GROUP BY ALL),
            s AS (SELECT user_id, day, sum(gmv_amt) AS gmv FROM product_sales WHERE channel = 'live' GROUP BY ALL)
       SELECT count(*) FROM s FULL JOIN l USING (user_id, day) WHERE abs(coalesce(s.gmv, 0) - coalesce(l.gmv, 0)) > 0.05`,
    );
    assert.equal(mismatch, 0);
    const withoutGmv = await scalar(db, `SELECT count(*) FROM lives WHERE gmv_amt = 0`);
    assert.ok(withoutGmv > 0, 'some hosts go live without selling');
    const [r] = await rows(db, `SELECT min(duration_sec) AS lo, max(duration_sec) AS hi FROM lives`);
    assert.ok(Number(r!.lo) >= 600 && Number(r!.hi) <= 6 * 3600);
  });
});

describe('causes', () => {
  // Per account: followers gained over the last 30 days and views its videos gained over the same days
  // (latest observation on or before each edge), for accounts observed since the edge.
  const windowed = `
    WITH b AS (SELECT max(day) AS a, max(day) - 30 AS e FROM profile_stats),
    f AS (
      SELECT user_id, min(day) AS first_day,
        arg_max(followers_cnt, day) - arg_max(followers_cnt, day) FILTER (WHERE day <= (SELECT e FROM b)) AS gain
      FROM profile_stats GROUP BY 1),
    v AS (
      SELECT user_id, sum(v_a - coalesce(v_e, 0)) AS views30 FROM (
        SELECT video_id, any_value(user_id) AS user_id, arg_max(views_cnt, day) AS v_a,
          arg_max(views_cnt, day) FILTER (WHERE day <= (SELECT e FROM b)) AS v_e
        FROM videos GROUP BY 1) GROUP BY 1)
    SELECT f.user_id, gain, coalesce(views30, 0) AS views30 FROM f LEFT JOIN v USING (user_id)
    WHERE first_day <= (SELECT e FROM b)`;

  test('followers come from views: at most 0.5 % gain more followers in 30 days than their 30-day views', async () => {
    const [r] = await rows(
      db,
      `SELECT count(*) AS n, count(*) FILTER (WHERE gain > views30) AS more,
         count(*) FILTER (WHERE gain > views30 + 100000) AS far_more, count(*) FILTER (WHERE gain > 0) AS growing
       FROM (${windowed})`,
    );
    const [n, more, farMore] = [Number(r!.n), Number(r!.more), Number(r!.far_more)];
    assert.ok(n > INFLUENCERS * 0.8, `${n} accounts observed over the window`);
    assert.ok(more <= n * 0.005, `${more} of ${n} gained more followers than views`);
    assert.equal(farMore, 0);
    assert.ok(Number(r!.growing) > n * 0.6, `${r!.growing} growing`);
  });

  test('likes come from views: likes received ≤ views of the observed videos for at least 99 %', async () => {
    const [r] = await rows(
      db,
      `WITH s AS (SELECT user_id, arg_max(likes_received_cnt, day) AS likes FROM profile_stats GROUP BY 1),
         v AS (SELECT user_id, sum(views) AS views FROM
                (SELECT video_id, any_value(user_id) AS user_id, max(views_cnt) AS views FROM videos GROUP BY 1) GROUP BY 1)
       SELECT count(*) AS n, count(*) FILTER (WHERE likes <= views) AS ok FROM s JOIN v USING (user_id)`,
    );
    assert.ok(Number(r!.ok) >= Number(r!.n) * 0.99, `${r!.ok} of ${r!.n} with likes ≤ views`);
    const likesOverViews = await scalar(db, `SELECT count(*) FROM videos WHERE likes_cnt > views_cnt`);
    assert.equal(likesOverViews, 0);
  });

  test('video sales come from videos with products: none without views of such a video', async () => {
    const sellingDays = await scalar(
      db,
      `SELECT count(*) FROM (SELECT DISTINCT user_id, day FROM product_sales WHERE channel = 'video' AND units > 0)`,
    );
    assert.ok(sellingDays > 100, `${sellingDays} days with video sales`);
    const withoutViews = await scalar(
      db,
      `SELECT count(*) FROM (SELECT DISTINCT user_id, day FROM product_sales s WHERE channel = 'video' AND units > 0
         AND NOT EXISTS (SELECT 1 FROM videos v WHERE v.user_id = s.user_id AND v.day <= s.day
                           AND len(v.product_ids) > 0 AND v.views_cnt > 0))`,
    );
    assert.equal(withoutViews, 0);
    // More product-video views, more video sales (over sellers by video).
    const corr = await scalar(
      db,
      `WITH pv AS (SELECT user_id, sum(views) AS views FROM (SELECT video_id, any_value(user_id) AS user_id,
                     max(views_cnt) AS views FROM videos WHERE len(product_ids) > 0 GROUP BY 1) GROUP BY 1),
         s AS (SELECT user_id, sum(units) AS units FROM product_sales WHERE channel = 'video' GROUP BY 1)
       SELECT corr(ln(1 + views), ln(1 + units)) FROM s JOIN pv USING (user_id)`,
    );
    assert.ok(corr > 0.3, `correlation of product-video views and video units: ${corr}`);
  });

  test('the first observation reads the back catalogue: the latest videos, as deep as documented', async () => {
    // For accounts seen from the first day: videos observed that day = the videos published before it, up
    // to the depth, plus the day's own; never more videos observed than the profile counts.
    const [r] = await rows(
      db,
      `WITH f AS (SELECT user_id, video_cnt FROM profile_stats WHERE day = (SELECT min(day) FROM profile_stats)),
         o AS (SELECT user_id, count(*) FILTER (WHERE create_time::DATE < day) AS older,
                 count(*) FILTER (WHERE create_time::DATE = day) AS today
               FROM videos WHERE day = (SELECT min(day) FROM videos) GROUP BY 1)
       SELECT count(*) AS n,
         count(*) FILTER (WHERE coalesce(older, 0) <> least(${BACK_CATALOGUE_DEPTH}, video_cnt - coalesce(today, 0))
                             AND coalesce(older, 0) < ${BACK_CATALOGUE_DEPTH}) AS short,
         avg(coalesce(older, 0)) AS avg_older
       FROM f LEFT JOIN o USING (user_id)`,
    );
    assert.equal(Number(r!.short), 0, `accounts whose first observation misses part of the catalogue`);
    assert.ok(Number(r!.avg_older) > 20, `average catalogue read ${r!.avg_older}`);
    assert.equal(
      await scalar(
        db,
        `SELECT count(*) FROM (SELECT user_id, arg_max(video_cnt, day) AS n FROM profile_stats GROUP BY 1) s
           JOIN (SELECT user_id, count(DISTINCT video_id) AS n FROM videos GROUP BY 1) o USING (user_id)
         WHERE s.n < o.n`,
      ),
      0,
      'accounts with fewer posted videos than observed videos',
    );
  });

  test('big sellers promote hundreds of products', async () => {
    const [r] = await rows(
      db,
      `SELECT max(n) AS max, count(*) FILTER (WHERE n > 12) AS over12, count(*) AS sellers FROM (
         SELECT user_id, count(DISTINCT p) AS n FROM (
           SELECT user_id, product_id AS p FROM product_sales UNION ALL SELECT user_id, unnest(product_ids) FROM videos)
         GROUP BY 1)`,
    );
    assert.ok(Number(r!.max) >= 100, `largest product count ${r!.max}`);
    assert.ok(
      Number(r!.over12) > Number(r!.sellers) * 0.05,
      `${r!.over12} of ${r!.sellers} above 12 products`,
    );
  });

  test('display names follow region and gender, and at most 20 % repeat within a region', async () => {
    const repeated = await rows(
      db,
      `SELECT region, count(*) AS n, count(*) FILTER (WHERE c > 1) AS repeated FROM (
         SELECT region, count(*) OVER (PARTITION BY region, nick_name) AS c FROM latest) GROUP BY 1`,
    );
    for (const r of repeated)
      assert.ok(Number(r.repeated) <= Number(r.n) * 0.2, `${r.region}: ${r.repeated} of ${r.n} names repeat`);
    const lists = new Map(NAME_LISTS);
    const names = await rows(db, `SELECT region, language, gender, nick_name FROM latest`);
    let checked = 0;
    for (const r of names) {
      const word = String(r.nick_name).split(/ \| | /)[0]!;
      if (!/^\p{Lu}/u.test(word)) continue; // the lower-case handle-like style
      const group = r.region === 'US' && r.language === 'es' ? 'es' : REGION_NAMES[String(r.region)]!;
      const list = lists.get(group)!;
      const firsts =
        r.gender === 'female'
          ? list.female
          : r.gender === 'male'
            ? list.male
            : [...list.female, ...list.male];
      // (two-word first names such as "Mei Ling" keep their first word)
      assert.ok(
        firsts.some((f) => f.split(' ')[0] === word),
        `${r.region} ${r.gender} "${r.nick_name}": not a ${group} name`,
      );
      checked += 1;
    }
    assert.ok(checked > names.length * 0.4, `${checked} names checked`);
  });
});
