// keyword against a plain implementation of its rule (docs/api.md, "keyword") over `kolscope export` of a
// generated snapshot, and against the reference SQL (DuckDB) combined with other filters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { exportRegion, writeSyntheticSnapshot } from '../../src/service/index.ts';
import {
  SORT_FIELDS,
  loadServingIndex,
  type InfluencerQuery,
  type LoadedServingIndex,
  type SortFieldCode,
} from '../../src/index/index.ts';
import { foldedWords, keywordWords } from '../../src/index/keyword/text.ts';
import { KeywordBuilder } from '../../src/index/keyword/build.ts';
import { KeywordMatch, heavyPrefixes } from '../../src/index/keyword/index.ts';
import { SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import { referenceSql } from '../oracle/reference-sql.ts';

// The rule, written plainly (no shared code with src/index/keyword).
const FOLDS: Record<string, string> = { ß: 'ss', ı: 'i', ø: 'o', đ: 'd', ł: 'l', æ: 'ae', œ: 'oe', ς: 'σ' };
const plainFold = (s: string) =>
  [...s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()]
    .map((c) => FOLDS[c] ?? c)
    .join('')
    .normalize('NFC');
const plainWords = (s: string): string[] =>
  plainFold(s)
    .replace(/[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/gu, ' $& ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
const plainMatch = (row: Row, keyword: string) => {
  const words = [row.nick_name, row.unique_id, row.signature].flatMap((t) => plainWords(t ?? ''));
  return plainWords(keyword).every((k) => words.some((w) => w.startsWith(k)));
};

interface Row {
  user_id: string;
  nick_name: string | null;
  unique_id: string | null;
  signature: string | null;
  category: string | null;
  [field: string]: unknown;
}

let tmp: string;
let index: LoadedServingIndex;
let rows: Row[];
let vocabulary: string[];
let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kolscope-keyword-'));
  const info = await writeSyntheticSnapshot({ dataDir: tmp, influencers: 12_000, seed: 11, activate: true });
  index = await loadServingIndex(info.dir);
  const out = join(tmp, 'us.ndjson');
  await exportRegion({ dataDir: tmp, region: 'US', format: 'ndjson', out });
  rows = (await readFile(out, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
  // Words present in the data, as written (accents and case kept), to draw keywords from.
  const seen = new Set<string>();
  for (const r of rows.slice(0, 3000))
    for (const t of [r.nick_name, r.unique_id, r.signature])
      for (const w of (t ?? '').split(/[^\p{L}\p{N}]+/u)) if (w) seen.add(w);
  vocabulary = [...seen].sort();
  db = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await db.connect();
  await conn.run(`CREATE TABLE rows AS SELECT * FROM read_parquet('${join(info.dir, SNAPSHOT_ROWS_FILE)}')`);
});

after(async () => {
  index?.close();
  conn?.closeSync();
  db?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

const query = (over: Partial<InfluencerQuery>): InfluencerQuery => ({
  region: 'US',
  pageNum: 1,
  pageSize: 10,
  sortField: 0,
  descending: false,
  ranges: {},
  ...over,
});

function pageIds(q: InfluencerQuery): string[] {
  return (JSON.parse(index.search(q).dataJson) as Row[]).map((r) => r.user_id);
}

/** The page by the plain rule over the export: matches, sorted by the sort field then user_id. */
function plainPage(q: InfluencerQuery, keyword: string, category?: string): string[] {
  const field = SORT_FIELDS[q.sortField];
  const num = (id: string) => BigInt(id);
  const matches = rows.filter(
    (r) =>
      plainMatch(r, keyword) && (category === undefined || (r.category ?? '').toLowerCase() === category),
  );
  matches.sort((a, b) => {
    if (field !== 'user_id') {
      const d = (a[field] as number) - (b[field] as number);
      if (d !== 0) return q.descending ? -d : d;
      return num(a.user_id) < num(b.user_id) ? -1 : 1;
    }
    const c = num(a.user_id) < num(b.user_id) ? -1 : 1;
    return q.descending ? -c : c;
  });
  const from = (q.pageNum - 1) * q.pageSize;
  return matches.slice(from, from + q.pageSize).map((r) => r.user_id);
}

/** A word of the data, cut to a prefix, its case or accents changed. */
const wordArb = () =>
  fc
    .tuple(
      fc.integer({ min: 0, max: vocabulary.length - 1 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom('same', 'upper', 'lower', 'plain'),
    )
    .map(([i, cut, variant]) => {
      const w = [...vocabulary[i]!].slice(0, cut).join('');
      if (variant === 'upper') return w.toUpperCase();
      if (variant === 'lower') return w.toLowerCase();
      if (variant === 'plain') return w.normalize('NFKD').replace(/\p{M}/gu, '');
      return w;
    });
const keywordArb = () =>
  fc
    .tuple(fc.array(wordArb(), { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', '_', ', ', ' ✨ ', '.'))
    .map(([words, sep]) => words.join(sep));

describe('keyword rule', () => {
  test('words: letters and digits, folded; CJK characters one by one', () => {
    assert.deepEqual(foldedWords('emma_dubois12'), ['emma', 'dubois12']);
    assert.deepEqual(foldedWords('Glowing skincare ✨ tips!'), ['glowing', 'skincare', 'tips']);
    assert.deepEqual(foldedWords('Zoé ÇAĞLA Straße ＡＢＣ ﬁt'), ['zoe', 'cagla', 'strasse', 'abc', 'fit']);
    assert.deepEqual(foldedWords('王小明abc さくら'), ['王', '小', '明', 'abc', 'さ', 'く', 'ら']);
    assert.deepEqual(foldedWords('김민지 🐶🔥'), ['김민지']);
    assert.deepEqual(keywordWords('glow Glowing skin glow'), ['glowing', 'skin']);
  });

  test('the index finds rows by prefixes of words of any field', () => {
    const b = new KeywordBuilder();
    const texts = [
      ['Glowing skincare tips', 'emma_dubois12', ''],
      ['Zoé Martin', 'zoe.martin', 'Café ☕ lover'],
      ['王小明', 'wang', null],
    ];
    texts.forEach((t, i) => b.add(i, t));
    const a = b.finish();
    const m = new KeywordMatch();
    const found = (k: string) => {
      if (!m.match(a, heavyPrefixes(a, texts.length), texts.length, keywordWords(k))) return [];
      const bits = m.ensureBits();
      return [0, 1, 2].filter((r) => (bits[r >>> 5]! & (1 << r)) !== 0);
    };
    assert.deepEqual(found('glow skin'), [0]);
    assert.deepEqual(found('EMMA dub'), [0]);
    assert.deepEqual(found('cafe zoe'), [1]);
    assert.deepEqual(found('m'), [1]);
    assert.deepEqual(found('w'), [2]);
    assert.deepEqual(found('明'), [2]);
    assert.deepEqual(found('glow cafe'), []);
    assert.deepEqual(found('x'), []);
  });
});

describe('keyword over the export', () => {
  test('pages equal the plain rule, every sort, pages 1-5, with a category filter', () => {
    fc.assert(
      fc.property(
        keywordArb(),
        fc.integer({ min: 0, max: SORT_FIELDS.length - 1 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.constantFrom('beauty', 'gaming', 'fashion'), { nil: undefined }),
        (keyword, sort, descending, pageNum, pageSize, category) => {
          const words = keywordWords(keyword);
          fc.pre(words.length > 0);
          const q = query({
            keyword: words,
            sortField: sort as SortFieldCode,
            descending,
            pageNum,
            pageSize,
            ...(category !== undefined && { category }),
          });
          assert.deepEqual(
            pageIds(q),
            plainPage(q, keyword, category),
            `${keyword} (plan ${index.lastPlan})`,
          );
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });

  test('common prefixes (dense matches) and absent words', () => {
    for (const keyword of ['a', 'e', 's', 'm l', '1', 'zzzq', 'dubois martin'])
      for (const sort of [0, 1, 5] as SortFieldCode[]) {
        const q = query({ keyword: keywordWords(keyword), sortField: sort, pageNum: 3 });
        assert.deepEqual(pageIds(q), plainPage(q, keyword), keyword);
      }
  });

  test('with other filters, against the reference SQL', async () => {
    const samples = fc.sample(
      fc.record({
        keyword: keywordArb(),
        sort: fc.integer({ min: 0, max: SORT_FIELDS.length - 1 }),
        descending: fc.boolean(),
        pageNum: fc.integer({ min: 1, max: 5 }),
        minFollowers: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
        salesFlag: fc.option(fc.constantFrom(1, 2, 3, 4) as fc.Arbitrary<1 | 2 | 3 | 4>, { nil: undefined }),
        language: fc.option(fc.constantFrom('en', 'es'), { nil: undefined }),
      }),
      { numRuns: 120, seed: 9 },
    );
    for (const s of samples) {
      const words = keywordWords(s.keyword);
      if (words.length === 0) continue;
      const q = query({
        keyword: words,
        sortField: s.sort as SortFieldCode,
        descending: s.descending,
        pageNum: s.pageNum,
        ranges: s.minFollowers === undefined ? {} : { total_followers_cnt: { min: s.minFollowers } },
        ...(s.salesFlag !== undefined && { salesFlag: s.salesFlag }),
        ...(s.language !== undefined && { language: s.language }),
      });
      const expected = (await conn.runAndReadAll(referenceSql(q, 'rows', 'user_id')))
        .getRows()
        .map((r) => String(r[0]));
      assert.deepEqual(pageIds(q), expected, `${JSON.stringify(q)} (plan ${index.lastPlan})`);
    }
  });
});
