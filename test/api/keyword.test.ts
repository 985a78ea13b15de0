// keyword over real HTTP: folded words found, every 400 names keyword and is not charged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIST,
  SQLITE_BACKEND,
  get,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let key: string;
let keyId: string;

before(async () => {
  snapshot = await testSnapshot(2000, 5);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  const created = await accounts.store.createKey({ name: 'keyword', credits: 1000, qps: 1_000_000 });
  key = created.key;
  keyId = created.id;
});

after(async () => {
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

const credits = async () => (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;
const list = (qs: string) => get(`${server.url}${LIST}?${qs}`, key);
const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

test('a keyword finds rows whose words start with its words, whatever the case and accents', async () => {
  const first = (await list('region=US&page_size=10')).body.data!;
  const nick = String(first[0]!.nick_name); // e.g. "Zoé Dubois"
  const [given, family] = nick.split(' ') as [string, string];
  const keyword = `${fold(given).toUpperCase().slice(0, 2)} ${family.slice(0, 3)}`;
  const found = await list(`region=US&page_size=10&keyword=${encodeURIComponent(keyword)}`);
  assert.equal(found.status, 200);
  const rows = found.body.data!;
  assert.ok(
    rows.some((r) => r.user_id === first[0]!.user_id),
    `${keyword} finds ${nick}`,
  );
  for (const r of rows) {
    const words = fold(`${String(r.nick_name)} ${String(r.unique_id)} ${String(r.signature)}`).split(
      /[^\p{L}\p{N}]+/u,
    );
    for (const k of fold(keyword).split(' '))
      assert.ok(
        words.some((w) => w.startsWith(k)),
        `${k} in ${JSON.stringify(r.nick_name)}`,
      );
  }
  const none = await list('region=US&keyword=qqqzzzx');
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.data, []);
});

test('a keyword without letters or digits, too long or with too many words is a 400 naming keyword, free', async () => {
  const before = await credits();
  const cases: [string, RegExp][] = [
    ['%F0%9F%94%A5', /^keyword must contain a letter or a digit/],
    ['---', /^keyword must contain a letter or a digit/],
    ['a'.repeat(101), /^keyword must be at most 100 characters/],
    ['a b c d e f g h i', /^keyword must have at most 8 words, got 9/],
  ];
  for (const [value, message] of cases) {
    const res = await list(`region=US&keyword=${value.replace(/ /g, '%20')}`);
    assert.equal(res.status, 400, value);
    assert.match(res.body.message, message);
  }
  assert.equal(await credits(), before);
});
