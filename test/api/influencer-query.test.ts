// The list endpoint's query parser on its own: every parameter's rules and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfluencerQuery } from '../../src/api/endpoints/influencer-list.ts';
import { InvalidParameter } from '../../src/api/parameters.ts';
import type { InfluencerQuery } from '../../src/index/query.ts';

function ok(qs: string): InfluencerQuery {
  try {
    return parseInfluencerQuery(qs);
  } catch (err) {
    return assert.fail(`expected ${qs} to parse, got: ${(err as Error).message}`);
  }
}

function rejected(qs: string): { parameter: string; message: string } {
  let query: InfluencerQuery;
  try {
    query = parseInfluencerQuery(qs);
  } catch (err) {
    if (err instanceof InvalidParameter) return { parameter: err.parameter, message: err.message };
    throw err;
  }
  return assert.fail(`expected ${qs} to be rejected, got ${JSON.stringify(query)}`);
}

test('defaults: page 1 of 10, user_id ascending, no filters', () => {
  assert.deepEqual(ok('region=us'), {
    region: 'US',
    pageNum: 1,
    pageSize: 10,
    sortField: 0,
    descending: false,
    ranges: {},
  });
});

test('every parameter parses into the query', () => {
  const q = ok(
    'region=US&page_num=3&page_size=7&influencer_sort_field_v2=5&sort_type=1' +
      '&min_total_followers_cnt=1000&max_total_followers_cnt=500000&min_total_digg_cnt=0&max_total_digg_cnt=9' +
      '&min_interaction_rate=0.05&max_interaction_rate=1&min_total_views_cnt=1&max_total_views_cnt=2' +
      '&min_total_views_7d_cnt=3&max_total_views_7d_cnt=4&min_per_video_product_views_avg_cnt=5' +
      '&max_per_video_product_views_avg_cnt=6&min_per_video_product_views_avg_7d_cnt=7' +
      '&max_per_video_product_views_avg_7d_cnt=8&product_category_id=601450,0601152,601450' +
      '&influencer_category_name=Home%2C+Furniture+%26+Appliances&influencer_language=EN&gender=Female' +
      '&show_case_flag=1&sales_flag=3',
  );
  assert.deepEqual(q, {
    region: 'US',
    pageNum: 3,
    pageSize: 7,
    sortField: 5,
    descending: true,
    ranges: {
      total_followers_cnt: { min: 1000, max: 500000 },
      total_digg_cnt: { min: 0, max: 9 },
      interaction_rate: { min: 0.05, max: 1 },
      total_views_cnt: { min: 1, max: 2 },
      total_views_7d_cnt: { min: 3, max: 4 },
      per_video_product_views_avg_cnt: { min: 5, max: 6 },
      per_video_product_views_avg_7d_cnt: { min: 7, max: 8 },
    },
    productCategoryIds: ['601450', '601152'],
    category: 'home, furniture & appliances',
    language: 'en',
    gender: 'female',
    showCaseFlag: 1,
    salesFlag: 3,
  });
});

test('empty values count as not given', () => {
  assert.deepEqual(
    ok(
      'product_category_id=&influencer_category_name=&influencer_sort_field_v2=0&sort_type=0&min_total_views_cnt=0&gender=&region=US&page_num=1&page_size=10',
    ),
    {
      region: 'US',
      pageNum: 1,
      pageSize: 10,
      sortField: 0,
      descending: false,
      ranges: { total_views_cnt: { min: 0, max: undefined } },
    },
  );
  assert.equal(rejected('region=').message, 'Missing required parameter: region');
});

test('integers are plain decimal digits within range', () => {
  for (const bad of [
    '1.5',
    '1e3',
    'abc',
    ' 1',
    '1 ',
    '+1',
    '-1',
    '0x10',
    '',
    '11',
    '0',
    '9007199254740993',
  ]) {
    if (bad === '') continue;
    const r = rejected(`region=US&page_size=${encodeURIComponent(bad)}`);
    assert.equal(r.parameter, 'page_size');
    assert.match(r.message, /^page_size must be an integer between 1 and 10, got /);
  }
  assert.match(
    rejected('region=US&page_num=10001').message,
    /^page_num must be an integer between 1 and 10000/,
  );
  assert.equal(ok('region=US&page_num=10000').pageNum, 10000);
  for (const bad of ['-5', '1.0', '1e3', '99999999999999999999']) {
    const r = rejected(`region=US&min_total_followers_cnt=${bad}`);
    assert.equal(r.parameter, 'min_total_followers_cnt');
    assert.match(r.message, /must be a non-negative integer/);
  }
  assert.equal(ok('region=US&max_total_views_cnt=9007199254740991').ranges.total_views_cnt?.max, 2 ** 53 - 1);
});

test('interaction_rate is a non-negative plain decimal fraction', () => {
  assert.equal(ok('region=US&min_interaction_rate=0.0532').ranges.interaction_rate?.min, 0.0532);
  assert.equal(ok('region=US&max_interaction_rate=1').ranges.interaction_rate?.max, 1);
  // Above 1 is a percentage given by mistake: a 400 that says it is a fraction.
  assert.match(
    rejected('region=US&max_interaction_rate=2').message,
    /^max_interaction_rate must be a fraction from 0 to 1 \(0\.05 = 5 %\), not a percentage/,
  );
  for (const bad of ['-0.1', '5%', '1e-2', '.5', 'NaN', 'Infinity', '0,5']) {
    const r = rejected(`region=US&min_interaction_rate=${encodeURIComponent(bad)}`);
    assert.equal(r.parameter, 'min_interaction_rate');
    assert.match(r.message, /fraction/);
  }
});

test('min must not exceed max', () => {
  const r = rejected('region=US&min_total_followers_cnt=10&max_total_followers_cnt=9');
  assert.equal(r.message, 'min_total_followers_cnt must not be greater than max_total_followers_cnt');
  assert.equal(
    rejected('region=US&min_interaction_rate=0.2&max_interaction_rate=0.1').parameter,
    'min_interaction_rate',
  );
  assert.deepEqual(ok('region=US&min_total_digg_cnt=5&max_total_digg_cnt=5').ranges.total_digg_cnt, {
    min: 5,
    max: 5,
  });
});

test('region: required, two letters, case-insensitive', () => {
  assert.equal(rejected('page_size=10').message, 'Missing required parameter: region');
  assert.equal(ok('region=gB').region, 'GB');
  for (const bad of ['USA', 'U', 'U1', 'ü1'])
    assert.match(
      rejected(`region=${encodeURIComponent(bad)}`).message,
      /^region must be a two-letter region code/,
    );
});

test('enumerated parameters', () => {
  assert.match(
    rejected('region=US&sort_type=2').message,
    /^sort_type must be 0 \(ascending\) or 1 \(descending\)/,
  );
  assert.match(
    rejected('region=US&influencer_sort_field_v2=12').message,
    /^influencer_sort_field_v2 must be an integer between 0 and 11/,
  );
  assert.match(rejected('region=US&sales_flag=5').message, /^sales_flag must be an integer between 0 and 4/);
  assert.match(rejected('region=US&show_case_flag=2').message, /^show_case_flag must be 0 or 1/);
  assert.equal(ok('region=US&sales_flag=0').salesFlag, 0);
  assert.equal(ok('region=US&influencer_sort_field_v2=6').sortField, 6);
  assert.equal(ok('region=US&influencer_sort_field_v2=11').sortField, 11);
  assert.equal(ok('region=US&has_contact_email=1').hasContactEmail, 1);
  assert.match(rejected('region=US&has_contact_email=2').message, /^has_contact_email must be 0 or 1/);
});

test('growth bounds accept a sign; amounts accept decimals', () => {
  assert.deepEqual(
    ok('region=US&min_total_followers_30d_cnt=-500&max_total_followers_30d_cnt=%2B20').ranges,
    {
      total_followers_30d_cnt: { min: -500, max: 20 },
    },
  );
  assert.equal(ok('region=US&min_total_followers_30d_cnt=-0').ranges.total_followers_30d_cnt?.min, 0);
  for (const bad of ['1.5', '- 1', '--1', '1e3', '9007199254740993'])
    assert.equal(
      rejected(`region=US&min_total_followers_30d_cnt=${encodeURIComponent(bad)}`).parameter,
      'min_total_followers_30d_cnt',
    );
  assert.equal(ok('region=US&min_total_sale_gmv_30d_amt=99.95').ranges.total_sale_gmv_30d_amt?.min, 99.95);
  assert.equal(ok('region=US&max_ec_score=4.5').ranges.ec_score?.max, 4.5);
  assert.equal(rejected('region=US&min_ec_score=-1').parameter, 'min_ec_score');
});

test('gender: male or female, region US only', () => {
  assert.equal(ok('region=us&gender=MALE').gender, 'male');
  assert.equal(rejected('region=GB&gender=male').message, 'gender is only available for region US, not GB');
  assert.match(rejected('region=US&gender=other').message, /^gender must be male or female/);
});

test('product_category_id: one id or a comma-separated list of decimal ids', () => {
  assert.deepEqual(ok('region=US&product_category_id=601450').productCategoryIds, ['601450']);
  assert.deepEqual(ok('region=US&product_category_id=601450,%20601152').productCategoryIds, [
    '601450',
    '601152',
  ]);
  for (const bad of ['abc', '1,,2', '1,', ',1', '1;2', '1.5']) {
    const r = rejected(`region=US&product_category_id=${encodeURIComponent(bad)}`);
    assert.equal(r.parameter, 'product_category_id');
    assert.match(r.message, /one decimal id or a comma-separated list of decimal ids/);
  }
  const many = Array.from({ length: 51 }, (_, i) => String(i + 1)).join(',');
  assert.match(rejected(`region=US&product_category_id=${many}`).message, /at most 50 ids/);
});

test('category names with commas are one value, matched case-insensitively', () => {
  assert.equal(
    ok('region=US&influencer_category_name=Sports%2C%20Fitness%20%26%20Outdoors').category,
    'sports, fitness & outdoors',
  );
  assert.match(
    rejected(`region=US&influencer_category_name=${'x'.repeat(101)}`).message,
    /at most 100 characters/,
  );
});

test('unknown and repeated parameters are rejected by name', () => {
  assert.equal(rejected('region=US&page=2').message, 'Unknown parameter: page');
  assert.equal(rejected('region=US&Region=US').message, 'Unknown parameter: Region');
  assert.equal(
    rejected('region=US&page_size=5&page_size=5').message,
    'Parameter given more than once: page_size',
  );
  assert.equal(rejected('region=US&region=GB').message, 'Parameter given more than once: region');
});
