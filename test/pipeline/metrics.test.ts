// Every formula of docs/metrics.md on a hand-computed fixture: 40 crawl days (2026-10-01 … 2026-11-09),
// as-of 2026-11-09, so the 1/7/30-day edges fall inside the data and the 90-day edge before it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { ingestToActiveSnapshot } from '../../src/service/index.ts';
import { silentProgress } from '../../src/progress.ts';
import { SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import { activeSnapshot } from '../../src/snapshot/store.ts';
import { openWarehouse } from '../../src/pipeline/warehouse.ts';
import { writeSnapshotRows } from '../../src/pipeline/metrics.ts';
import {
  days,
  live,
  profile,
  readRows,
  sale,
  stats,
  tempDir,
  video,
  writeBatch,
  type Batch,
  type Row,
} from './fixtures.ts';

const A = '101'; // US: growing, videos, sells by video and live
const B = '102'; // US: first seen 2026-11-05, inside the 7-day window
const C = '103'; // GB: days missing at the window edges, sells by live only
const D = '104'; // US: showcase open, no sales, cancelled on 2026-11-06
const E = '105'; // US: profile only
const F = '106'; // stats without a profile: not an influencer of the snapshot
const G = '107'; // US: interaction rate 0.0950 and 5 publish days (ec_score tie), five videos tied on views
const H = '108'; // US: interaction rate 3 / 20,000 = 0.00015 (tie)
const I = '109'; // US: a zero-unit sales row, a product whose products row has another category
const J = '18446744073709551616'; // US: 20 digits (above UBIGINT); category shares 0.99985 and 0.00015 (ties)
const K = '111'; // US: one sale of $0.49996

const v1 = { views: 1000, likes: 50, comments: 10, shares: 10 };

function fixture(): Map<string, Batch> {
  const batches = new Map<string, Batch>(days('2026-10-01', 40).map((d) => [d, {}]));
  const add = (day: string, table: keyof Batch, row: Row) => {
    const batch = batches.get(day)!;
    (batch[table] ??= []).push(row);
  };
  add('2026-10-01', 'profiles', profile(A, 'US', { seller_id: '900000000000000001', show_case_flag: 1 }));
  add('2026-10-01', 'profiles', profile(C, 'GB'));
  add('2026-10-01', 'profiles', profile(D, 'US', { show_case_flag: 1 }));
  add('2026-10-01', 'profiles', profile(E, 'US'));
  add('2026-11-05', 'profiles', profile(B, 'US'));
  add('2026-11-06', 'profiles', profile(D, 'US', { show_case_flag: 1, off_mark: 1 }));

  // A: followers/digg observed on some days only; carried forward in between.
  for (const [day, f, d] of [
    ['2026-10-01', 1000, 50],
    ['2026-10-10', 1100, 60],
    ['2026-11-02', 1500, 90],
    ['2026-11-08', 1700, 95],
    ['2026-11-09', 1750, 100],
  ] as const)
    add(day, 'profile_stats', stats(A, f, d));
  add('2026-11-05', 'profile_stats', stats(B, 200, 20));
  add('2026-11-09', 'profile_stats', stats(B, 260, 26));
  add('2026-10-01', 'profile_stats', stats(C, 5000, 700));
  add('2026-10-20', 'profile_stats', stats(C, 4900, 710));
  add('2026-11-09', 'profile_stats', stats(C, 4950, 720));
  add('2026-10-01', 'profile_stats', stats(D, 10, 1));
  add('2026-10-01', 'profile_stats', stats(F, 10, 1));

  add(
    '2026-10-01',
    'videos',
    video('1003', A, '2026-06-01T08:00:00Z', 200, { views: 5000, likes: 100, comments: 0, shares: 0 }),
  );
  add(
    '2026-10-05',
    'videos',
    video('1001', A, '2026-10-05T08:10:00Z', 10, { views: 100, likes: 10, comments: 1, shares: 1 }, ['501']),
  );
  add(
    '2026-11-02',
    'videos',
    video('1001', A, '2026-10-05T08:10:00Z', 10, { views: 400, likes: 30, comments: 5, shares: 5 }, ['501']),
  );
  add('2026-11-09', 'videos', video('1001', A, '2026-10-05T08:10:00Z', 10, v1, ['501']));
  add(
    '2026-11-03',
    'videos',
    video('1002', A, '2026-11-03T20:00:00Z', 45, { views: 50, likes: 5, comments: 0, shares: 0 }),
  );
  add(
    '2026-11-09',
    'videos',
    video('1002', A, '2026-11-03T20:00:00Z', 45, { views: 200, likes: 20, comments: 2, shares: 3 }),
  );
  add(
    '2026-11-06',
    'videos',
    video('1004', B, '2026-11-06T23:30:00Z', 15, { views: 10, likes: 1, comments: 0, shares: 0 }, ['502']),
  );
  add(
    '2026-11-09',
    'videos',
    video('1004', B, '2026-11-06T23:30:00Z', 15, { views: 110, likes: 11, comments: 0, shares: 0 }, ['502']),
  );

  add('2026-10-05', 'products', { product_id: '501', product_category_id: '600001', price_amt: 10 });
  add('2026-11-06', 'products', { product_id: '502', product_category_id: '600003', price_amt: 10 });

  add('2026-10-10', 'product_sales', sale(A, '501', '600001', 'video', 5, 50)); // the day before the 30-day window
  add('2026-10-11', 'product_sales', sale(A, '501', '600001', 'video', 2, 20)); // first day of the window
  add('2026-11-09', 'product_sales', sale(A, '501', '600001', 'video', 3, 30.5));
  add('2026-11-01', 'product_sales', sale(A, '503', '600002', 'live', 1, 99.99));
  add('2026-11-09', 'product_sales', sale(B, '502', '600003', 'video', 1, 10));
  add('2026-11-05', 'product_sales', sale(C, '503', '600002', 'live', 2, 40));

  for (const id of [G, H, I, J, K]) add('2026-10-01', 'profiles', profile(id, 'US'));
  // G: 20,000 views and 1,900 interactions in five videos on five days; video ids compare as numbers.
  for (const [k, id] of ['1006', '999', '1005', '1000', '1007'].entries())
    add(
      '2026-11-09',
      'videos',
      video(id, G, `2026-11-0${k + 1}T10:00:00Z`, 20, { views: 4000, likes: 300, comments: 40, shares: 40 }),
    );
  add(
    '2026-11-09',
    'videos',
    video('1010', H, '2026-11-08T10:00:00Z', 20, { views: 20000, likes: 3, comments: 0, shares: 0 }),
  );
  add('2026-11-02', 'products', { product_id: '511', product_category_id: '600004', price_amt: 10 });
  add('2026-11-02', 'product_sales', sale(I, '511', '600001', 'video', 1, 10));
  add('2026-11-03', 'product_sales', sale(I, '512', '600002', 'video', 2, 33));
  add('2026-11-04', 'product_sales', sale(I, '513', '600003', 'video', 0, 5));
  add('2026-11-04', 'product_sales', sale(J, '521', '600001', 'video', 1, 19997));
  add('2026-11-05', 'product_sales', sale(J, '522', '600002', 'live', 1, 3));
  add('2026-11-05', 'product_sales', sale(K, '531', '600001', 'video', 1, 0.49996));

  add('2026-10-15', 'lives', live('9001', C, '2026-10-15T19:00:00Z'));
  add('2026-11-05', 'lives', live('9002', C, '2026-11-05T19:00:00Z'));
  add('2026-11-01', 'lives', live('9003', A, '2026-11-01T19:00:00Z'));
  return batches;
}

describe('metrics on a hand-computed fixture', () => {
  let root: string;
  let rows: Map<string, Row>;
  let history: Row[];

  before(async () => {
    root = await tempDir('metrics');
    const rawDir = join(root, 'raw');
    for (const [day, batch] of fixture()) await writeBatch(rawDir, day, batch);
    const dataDir = join(root, 'data');
    await ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress);
    const snap = (await activeSnapshot(dataDir))!;
    const list = await readRows(`SELECT * FROM '${join(snap.dir, SNAPSHOT_ROWS_FILE)}'`);
    rows = new Map(list.map((r) => [String(r.user_id), r]));
    // The full recompute from raw history must give the same rows as the incremental state.
    const warehouse = await openWarehouse(dataDir);
    try {
      const path = join(root, 'history.parquet');
      await writeSnapshotRows(warehouse.connection, {
        asOf: '2026-11-09',
        source: 'history',
        parquetPath: path,
      });
      history = await readRows(`SELECT * FROM '${path}'`);
    } finally {
      warehouse.close();
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('has every influencer with a profile, in region then numeric user_id order, with every field', () => {
    assert.deepEqual([...rows.keys()], [C, A, B, D, E, G, H, I, K, J]);
    for (const row of rows.values())
      assert.deepEqual(
        Object.keys(row),
        SNAPSHOT_FIELDS.map((f) => f.name),
      );
  });

  it('computes the growing influencer A exactly', () => {
    const a = rows.get(A)!;
    assert.deepEqual(
      {
        total_followers_cnt: a.total_followers_cnt,
        total_followers_1d_cnt: a.total_followers_1d_cnt,
        total_followers_7d_cnt: a.total_followers_7d_cnt,
        total_followers_30d_cnt: a.total_followers_30d_cnt,
        total_followers_90d_cnt: a.total_followers_90d_cnt,
        total_digg_cnt: a.total_digg_cnt,
        total_digg_1d_cnt: a.total_digg_1d_cnt,
        total_digg_7d_cnt: a.total_digg_7d_cnt,
        total_digg_30d_cnt: a.total_digg_30d_cnt,
        total_digg_90d_cnt: a.total_digg_90d_cnt,
        total_following_cnt: a.total_following_cnt,
        total_likes_cnt: a.total_likes_cnt,
        total_post_video_cnt: a.total_post_video_cnt,
        first_crawl_dt: a.first_crawl_dt,
      },
      {
        total_followers_cnt: 1750,
        total_followers_1d_cnt: 50, // 1750 - 1700 (2026-11-08)
        total_followers_7d_cnt: 250, // 1750 - 1500 (2026-11-02)
        total_followers_30d_cnt: 650, // 1750 - 1100 (2026-10-10)
        total_followers_90d_cnt: 750, // edge before the first day: baseline = first observation 1000
        total_digg_cnt: 100,
        total_digg_1d_cnt: 5,
        total_digg_7d_cnt: 10,
        total_digg_30d_cnt: 40,
        total_digg_90d_cnt: 50,
        total_following_cnt: 300,
        total_likes_cnt: 40,
        total_post_video_cnt: 3,
        first_crawl_dt: 20261001,
      },
    );
    // Videos 1001 (1000 views, product), 1002 (200), 1003 (5000, published before the 90-day window).
    assert.equal(a.total_views_cnt, 6200);
    assert.equal(a.total_comments_cnt, 12);
    assert.equal(a.total_shares_cnt, 13);
    assert.equal(a.per_views_avg_cnt, 2067); // 6200 / 3 = 2066.67
    assert.equal(a.total_views_7d_cnt, 800); // 6200 - (400 + 0 + 5000)
    assert.equal(a.per_video_product_views_avg_cnt, 1000);
    assert.equal(a.per_video_product_views_avg_7d_cnt, 600); // (1000 - 400) / 1
    assert.equal(a.interaction_rate, 0.0792); // (70 + 25) / 1200, videos 1001 and 1002
    assert.equal(a.influencer_video_duration_level, '{"15s":1,"30s-60s":1,"3m-10m":1}');
    assert.equal(a.influencer_video_publish_hour, '{"08":2,"20":1}');
    assert.equal(a.influencer_video_publish_week, '{"1":2,"2":1}');
    assert.deepEqual(JSON.parse(String(a.most_views_video)), {
      video_id: '1003',
      views_cnt: 5000,
      likes_cnt: 100,
      comments_cnt: 0,
      shares_cnt: 0,
      duration_sec: 200,
      create_time: '2026-06-01T08:00:00Z',
    });
    assert.equal(a.seller_id, '900000000000000001');
  });

  it('computes commerce over the 30-day window and all time', () => {
    const a = rows.get(A)!;
    assert.equal(a.total_sale_cnt, 11);
    assert.equal(a.total_sale_gmv_amt, 200); // 200.49
    assert.equal(a.total_sale_gmv_30d_amt, 150); // 20 + 30.5 + 99.99, not the 50 of 2026-10-10
    assert.equal(a.total_video_sale_gmv_30d_amt, 51); // 50.5 rounds half away from zero
    assert.equal(a.total_live_sale_gmv_30d_amt, 100); // 99.99
    assert.equal(a.total_video_sale_30d_cnt, 5);
    assert.equal(a.avg_30d_price, 25); // 150.49 / 6
    assert.equal(a.total_product_30d_cnt, 2);
    assert.equal(a.total_video_product_30d_cnt, 1);
    assert.equal(a.total_product_cnt, 2); // 501 (video + sales), 503 (sales)
    assert.deepEqual(a.product_category_ids, ['600001', '600002']); // 503 only in sales: category of its sale
    assert.deepEqual(JSON.parse(String(a.most_category_product)), [
      { category_id: '600002', gmv_share: 0.6644 },
      { category_id: '600001', gmv_share: 0.3356 },
    ]);
    assert.equal(a.total_live_cnt, 1);
    assert.equal(a.sales_flag, 3);
    assert.equal(rows.get(B)!.sales_flag, 1);
    assert.equal(rows.get(C)!.sales_flag, 2);
    assert.equal(rows.get(D)!.sales_flag, 4); // showcase open, no sales
    assert.equal(rows.get(E)!.sales_flag, 0);
    assert.equal(rows.get(C)!.total_live_cnt, 2);
  });

  it('uses the first observation as the baseline of an influencer first seen inside the window', () => {
    const b = rows.get(B)!;
    assert.equal(b.first_crawl_dt, 20261105);
    assert.equal(b.total_followers_1d_cnt, 60); // no row on 2026-11-08: latest before it (11-05)
    assert.equal(b.total_followers_7d_cnt, 60); // first seen after 2026-11-02: baseline 200
    assert.equal(b.total_followers_90d_cnt, 60);
    assert.equal(b.total_views_7d_cnt, 100); // 110 - first observation 10
    assert.equal(b.per_video_product_views_avg_7d_cnt, 100);
    assert.equal(b.interaction_rate, 0.1);
    assert.equal(b.influencer_video_duration_level, '{"15s":1}');
    assert.equal(b.influencer_video_publish_week, '{"5":1}');
  });

  it('takes the latest observation on or before an edge when days are missing', () => {
    const c = rows.get(C)!;
    assert.equal(c.total_followers_cnt, 4950);
    assert.equal(c.total_followers_1d_cnt, 50); // 2026-11-08 missing: 2026-10-20 (4900)
    assert.equal(c.total_followers_7d_cnt, 50);
    assert.equal(c.total_followers_30d_cnt, -50); // 2026-10-10 missing: 2026-10-01 (5000)
    assert.equal(c.total_digg_30d_cnt, 20);
  });

  it('keeps cancelled accounts with off_mark and a zero ec_score', () => {
    const d = rows.get(D)!;
    assert.equal(d.off_mark, 1);
    assert.equal(d.ec_score, 0);
    assert.equal(d.show_case_flag, 1);
  });

  it('fills influencers without data with zeros and empty distributions', () => {
    const e = rows.get(E)!;
    for (const f of SNAPSHOT_FIELDS) {
      if (f.type === 'int' && f.name !== 'first_crawl_dt') assert.equal(e[f.name], 0, f.name);
    }
    assert.equal(e.first_crawl_dt, 20261001); // the profile's day
    assert.equal(e.most_views_video, '');
    assert.equal(e.most_category_product, '[]');
    assert.equal(e.influencer_video_duration_level, '{}');
    assert.equal(e.influencer_video_publish_hour, '{}');
    assert.equal(e.seller_id, '');
    assert.deepEqual(e.product_category_ids, []);
    assert.equal(rows.has(F), false);
  });

  it('rates commercial value from sales, engagement and consistency', () => {
    assert.equal(rows.get(A)!.ec_score, 2.16); // 2·log10(151.49)/5 + 1.5·0.0792/0.1 + 1.5·1/15
    assert.equal(rows.get(B)!.ec_score, 2.02); // 2·log10(11)/5 + 1.5 + 0.1
    assert.equal(rows.get(C)!.ec_score, 0.65); // 2·log10(41)/5
    assert.equal(rows.get(E)!.ec_score, 0);
  });

  it('rounds exact decimals half away from zero (not binary floats)', () => {
    const g = rows.get(G)!;
    assert.equal(g.interaction_rate, 0.095); // 1900 / 20000
    assert.equal(g.ec_score, 1.93); // 1.5 · 0.0950 / 0.10 + 1.5 · 5 / 15 = 1.925
    const h = rows.get(H)!;
    assert.equal(h.interaction_rate, 0.0002); // 3 / 20000 = 0.00015
    assert.equal(h.ec_score, 0.1); // 1.5 · 0.0002 / 0.10 + 1.5 · 1 / 15 = 0.103
    assert.deepEqual(JSON.parse(String(rows.get(J)!.most_category_product)), [
      { category_id: '600001', gmv_share: 0.9999 }, // 19997 / 20000 = 0.99985
      { category_id: '600002', gmv_share: 0.0002 }, // 3 / 20000 = 0.00015
    ]);
    assert.equal(rows.get(J)!.user_id, J);
  });

  it('sums money exactly before rounding it to dollars', () => {
    const k = rows.get(K)!;
    assert.equal(k.total_sale_gmv_amt, 0); // $0.49996, not $0.5000 rounded again
    assert.equal(k.total_sale_gmv_30d_amt, 0);
    assert.equal(k.total_video_sale_gmv_30d_amt, 0);
    assert.equal(k.avg_30d_price, 0);
    assert.equal(k.sales_flag, 1);
  });

  it('counts zero-unit rows in the window GMV and takes the sales row category', () => {
    const i = rows.get(I)!;
    assert.equal(i.total_sale_gmv_30d_amt, 48);
    assert.equal(i.total_sale_cnt, 3);
    assert.equal(i.avg_30d_price, 16); // 48 / 3
    assert.equal(i.total_product_30d_cnt, 2); // 513 sold no units
    // Shares of the window GMV $48, zero-unit row included; 600003 (no units) is not listed; 511 counts
    // under its sales row's category 600001, not its products row's 600004.
    assert.deepEqual(JSON.parse(String(i.most_category_product)), [
      { category_id: '600002', gmv_share: 0.6875 }, // 33 / 48
      { category_id: '600001', gmv_share: 0.2083 }, // 10 / 48
    ]);
    // product_category_ids use the products row when there is one.
    assert.deepEqual(i.product_category_ids, ['600002', '600003', '600004']);
  });

  it('breaks ties on ids as numbers', () => {
    assert.equal(JSON.parse(String(rows.get(G)!.most_views_video)).video_id, '999'); // not "1000"
  });

  it('gives the same rows when recomputed from the raw history', () => {
    assert.deepEqual(history, [...rows.values()]);
  });
});
