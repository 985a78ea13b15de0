// `npm run docs:api`: writes each paid endpoint's parameter table into docs/api.md, between the markers
// <!-- parameters: PATH --> and <!-- /parameters -->, from the endpoint's own declarations.
// test/api/contract.test.ts fails when the page and the code disagree.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PaidEndpoint } from '../src/api/endpoint.ts';
import { PAID_ENDPOINTS } from '../src/api/endpoints/registry.ts';
import type { Parameter } from '../src/api/parameters.ts';

export const API_DOC = fileURLToPath(new URL('../docs/api.md', import.meta.url));

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The markdown table of an endpoint's parameters; a min_X / max_X pair with one rule is one row. */
export function parameterTable(endpoint: PaidEndpoint): string {
  if (endpoint.parameters.length === 0) return 'No parameters.';
  const rows = ['| parameter | rule | default |', '| --- | --- | --- |'];
  const params: readonly Parameter[] = endpoint.parameters;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const next = params[i + 1];
    const stem = p.name.startsWith('min_') ? p.name.slice(4) : null;
    const fallback = p.schema.default !== undefined ? String(p.schema.default) : p.required ? '—' : '';
    if (stem !== null && next?.name === `max_${stem}` && next.rule === p.rule) {
      rows.push(`| \`min_\` / \`max_${stem}\` | ${cell(p.rule)}, inclusive bounds | open |`);
      i++;
    } else {
      rows.push(`| \`${p.name}\` | ${cell(p.rule)} | ${fallback === '' ? '—' : fallback} |`);
    }
  }
  return rows.join('\n');
}

const block = (endpoint: PaidEndpoint) =>
  new RegExp(
    `(<!-- parameters: ${endpoint.path.replace(/[/.]/g, '\\$&')} -->)[\\s\\S]*?(<!-- /parameters -->)`,
  );

/** docs/api.md with every endpoint's table as the code declares it; throws when a marker is missing. */
export function withParameterTables(doc: string): string {
  let out = doc;
  for (const endpoint of PAID_ENDPOINTS) {
    const pattern = block(endpoint);
    if (!pattern.test(out))
      throw new Error(
        `docs/api.md has no "<!-- parameters: ${endpoint.path} -->" … "<!-- /parameters -->" block`,
      );
    out = out.replace(
      pattern,
      (_m, open: string, close: string) => `${open}\n${parameterTable(endpoint)}\n${close}`,
    );
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = await readFile(API_DOC, 'utf8');
  const updated = withParameterTables(doc);
  await writeFile(API_DOC, updated);
  console.log(
    `${updated === doc ? 'unchanged' : 'updated'}: ${API_DOC} (${PAID_ENDPOINTS.length} endpoint parameter tables)`,
  );
}
