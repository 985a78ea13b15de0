// The reference semantics of the list endpoint as SQL: what tests and benchmarks check the serving index
// against, on DuckDB, SQLite and PostgreSQL. It is keyed by the rows of the endpoint's contract (SORTS and
// FILTERS in src/api/endpoints/influencer-list.ts): a range filter's SQL is the generic one below, every
// other filter has its entry in FILTER_SQL, and test/api/contract.test.ts fails for a filter without one.
// Not part of the server: nothing under src/ imports this file.
import { FILTERS } from '../../src/api/endpoints/influencer-list.ts';
import { SORT_FIELDS, type InfluencerQuery } from '../../src/index/query.ts';
import { SNAPSHOT_FIELDS } from '../../src/snapshot/schema.ts';

/** Fields whose values are whole numbers. */
const INTEGER_FIELDS = new Set<string>(SNAPSHOT_FIELDS.filter((f) => f.type === 'int').map((f) => f.name));

/** How one SQL engine writes what differs between engines. */
export interface SqlDialect {
  readonly name: 'duckdb' | 'sqlite' | 'postgres';
  /** Numeric order of user ids (decimal strings, up to 20 digits). */
  readonly userIdOrder: string;
  /** product_category_ids holds any of `ids` (already written as SQL values). */
  anyProductCategory(ids: readonly string[]): string;
  /** Some word of nick_name, unique_id or signature, folded, starts with the folded word `word` (letters and
   *  digits only); null when the engine cannot say it (SQLite has no regular expressions, PostgreSQL no
   *  accent folding without the unaccent extension). */
  keywordWord(word: string): string | null;
}

/** The three keyword fields as one folded text (DuckDB: strip_accents = NFD without marks; the rule's other
 *  folds, ß ı ø đ ł æ œ ς and compatibility forms, are not in the generated data). */
const DUCKDB_KEYWORD_TEXT = `strip_accents(lower(concat_ws(' ', nick_name, unique_id, signature)))`;
// A Han, Hiragana or Katakana character is a word of its own: one starts a word anywhere, and ends the word
// before it.
const CJK = '\\p{Han}\\p{Hiragana}\\p{Katakana}';

export const DUCKDB: SqlDialect = {
  name: 'duckdb',
  userIdOrder: 'CAST(user_id AS HUGEINT)',
  anyProductCategory: (ids) => `list_has_any(product_category_ids, [${ids.join(', ')}])`,
  keywordWord: (word) =>
    /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u.test(word)
      ? `contains(${DUCKDB_KEYWORD_TEXT}, '${word}')`
      : `regexp_matches(${DUCKDB_KEYWORD_TEXT}, '(^|[^\\pL\\pN]|[${CJK}])${word}')`,
};
/** SQLite: product_category_ids as a JSON array; user_num holds user_id as an integer. */
export const SQLITE: SqlDialect = {
  name: 'sqlite',
  userIdOrder: 'user_num',
  anyProductCategory: (ids) =>
    `EXISTS (SELECT 1 FROM json_each(product_category_ids) WHERE value IN (${ids.join(', ')}))`,
  keywordWord: () => null,
};
/** PostgreSQL: product_category_ids as text[]; user_num holds user_id as an integer. */
export const POSTGRES: SqlDialect = {
  name: 'postgres',
  userIdOrder: 'user_num',
  anyProductCategory: (ids) => `product_category_ids && ARRAY[${ids.join(', ')}]::text[]`,
  keywordWord: () => null,
};

/** Writes a value as SQL: a placeholder (its value pushed onto the statement's parameters) or a literal. */
export type SqlValue = (value: string | number) => string;

/** The WHERE conditions of each non-range filter of the contract, when the query has it. */
const FILTER_SQL: Readonly<
  Record<string, (q: InfluencerQuery, v: SqlValue, d: SqlDialect) => readonly string[]>
> = {
  product_category_id: (q, v, d) =>
    q.productCategoryIds && q.productCategoryIds.length > 0
      ? [d.anyProductCategory(q.productCategoryIds.map(v))]
      : [],
  influencer_category_name: (q, v) =>
    q.category !== undefined ? [`lower(category) = ${v(q.category)}`] : [],
  influencer_language: (q, v) => (q.language !== undefined ? [`lower(language) = ${v(q.language)}`] : []),
  gender: (q, v) => (q.gender !== undefined ? [`lower(gender) = ${v(q.gender)}`] : []),
  show_case_flag: (q, v) => (q.showCaseFlag !== undefined ? [`show_case_flag = ${v(q.showCaseFlag)}`] : []),
  has_contact_email: (q) =>
    q.hasContactEmail === undefined
      ? []
      : [q.hasContactEmail === 1 ? "coalesce(contact_email, '') <> ''" : "coalesce(contact_email, '') = ''"],
  keyword: (q, _v, d) =>
    (q.keyword ?? []).map((w) => {
      const sql = d.keywordWord(w);
      if (sql === null) throw new Error(`${d.name} has no reference SQL for keyword`);
      return sql;
    }),
  sales_flag: (q) => {
    switch (q.salesFlag) {
      case 1:
        return ['sales_flag IN (1, 3)'];
      case 2:
        return ['sales_flag IN (2, 3)'];
      case 3:
        return ['sales_flag = 3'];
      case 4:
        return ['show_case_flag = 1'];
      default:
        return [];
    }
  },
};

/** The contract's filters that have no reference SQL (a test asserts there are none). */
export function filtersWithoutSql(): string[] {
  return FILTERS.filter((f) => f.range === undefined && !(f.name in FILTER_SQL)).map((f) => f.name);
}

/**
 * The SQL returning `columns` of the query's page, in order, over `source` (a table, or DuckDB's
 * read_parquet('…/influencers.parquet')). `value` writes parameters: DuckDB gets literals, SQLite and
 * PostgreSQL placeholders (see referenceStatement).
 */
export function referenceSql(
  q: InfluencerQuery,
  source: string,
  columns: string,
  d: SqlDialect = DUCKDB,
  value: SqlValue = literal,
): string {
  const where = referenceWhere(q, d, value);
  const dir = q.descending ? 'DESC' : 'ASC';
  const order =
    q.sortField === 0
      ? `${d.userIdOrder} ${dir}`
      : `${SORT_FIELDS[q.sortField]} ${dir}, ${d.userIdOrder} ASC`;
  const offset = (q.pageNum - 1) * q.pageSize;
  return `SELECT ${columns} FROM ${source} WHERE ${where} ORDER BY ${order} LIMIT ${q.pageSize} OFFSET ${offset}`;
}

/** The reference of X-Total-Count: the number of rows matching the query's WHERE, over every page. */
export function referenceCountSql(
  q: InfluencerQuery,
  source: string,
  d: SqlDialect = DUCKDB,
  value: SqlValue = literal,
): string {
  return `SELECT count(*) AS total FROM ${source} WHERE ${referenceWhere(q, d, value)}`;
}

/** The query's conditions, joined by AND. */
function referenceWhere(q: InfluencerQuery, d: SqlDialect, value: SqlValue): string {
  const where: string[] = [`region = ${value(q.region)}`];
  for (const filter of FILTERS) {
    const field = filter.range;
    if (field !== undefined) {
      const r = q.ranges[field];
      // A whole-number column against a fraction (dollars with cents on total_sale_gmv_30d_amt): the whole
      // bound that keeps the same rows, so that PostgreSQL binds the parameter as the column's bigint.
      const whole = INTEGER_FIELDS.has(field);
      if (r?.min !== undefined) where.push(`${field} >= ${value(whole ? Math.ceil(r.min) : r.min)}`);
      if (r?.max !== undefined) where.push(`${field} <= ${value(whole ? Math.floor(r.max) : r.max)}`);
    } else {
      where.push(...(FILTER_SQL[filter.name]?.(q, value, d) ?? []));
    }
  }
  return where.join(' AND ');
}

/** The reference SQL with positional parameters: `?` for SQLite, `$n` for PostgreSQL. */
export function referenceStatement(
  q: InfluencerQuery,
  source: string,
  columns: string,
  d: SqlDialect,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const placeholder: SqlValue = (v) => {
    params.push(v);
    return d.name === 'postgres' ? `$${params.length}` : '?';
  };
  return { sql: referenceSql(q, source, columns, d, placeholder), params };
}

/** A value written as a SQL literal. */
export const literal: SqlValue = (v) => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);
