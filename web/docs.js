// The API reference page: renders /openapi.json and runs the try-it form against the endpoint.
// Text from the document or the API goes into the page through textContent only.
'use strict';

const LIST_PATH = '/v1/tiktok/influencer/list/analytics';

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

// Just enough Markdown for the document's descriptions: paragraphs, "- " lists, **bold** and `code`.
function inline(text) {
  const frag = document.createDocumentFragment();
  for (const part of text.split(/(\*\*[^*]+\*\*|`[^`]+`)/)) {
    if (part.startsWith('**') && part.endsWith('**')) frag.append(el('strong', {}, part.slice(2, -2)));
    else if (part.startsWith('`') && part.endsWith('`')) frag.append(el('code', {}, part.slice(1, -1)));
    else if (part) frag.append(part);
  }
  return frag;
}

function markdown(text) {
  const frag = document.createDocumentFragment();
  for (const block of (text || '').split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.every((l) => l.startsWith('- '))) {
      frag.append(el('ul', {}, ...lines.map((l) => el('li', {}, inline(l.slice(2))))));
    } else {
      frag.append(el('p', {}, inline(block)));
    }
  }
  return frag;
}

function schemaSummary(schema) {
  if (!schema) return '';
  const parts = [schema.type + (schema.format ? ` (${schema.format})` : '')];
  if (schema.enum) parts.push(`one of ${schema.enum.join(', ')}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.pattern) parts.push(`pattern ${schema.pattern}`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.default !== undefined) parts.push(`default ${schema.default}`);
  return parts.join(', ');
}

function table(headings, rows) {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))),
  );
}

function resolve(doc, ref) {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, key) => node[key], doc);
}

function renderOperation(doc, path, method, op) {
  const section = el('section', { id: op.operationId });
  section.append(
    el('h2', {}, el('span', { class: 'method' }, method.toUpperCase()), ' ', el('code', {}, path)),
  );
  section.append(el('p', {}, el('strong', {}, op.summary || '')));
  section.append(markdown(op.description));
  if (op.parameters && op.parameters.length) {
    section.append(el('h3', {}, 'Query parameters'));
    section.append(
      table(
        ['name', 'type and rules', 'description'],
        op.parameters.map((p) => [
          el(
            'span',
            {},
            el('code', {}, p.name),
            p.required ? el('span', { class: 'required' }, ' required') : null,
          ),
          schemaSummary(p.schema),
          p.description || '',
        ]),
      ),
    );
  }
  section.append(el('h3', {}, 'Responses'));
  for (const [status, response] of Object.entries(op.responses || {})) {
    section.append(el('h4', {}, `${status} — `, inline(response.description || '')));
    if (response.headers) {
      section.append(
        table(
          ['header', 'meaning'],
          Object.entries(response.headers).map(([name, h]) => [el('code', {}, name), h.description || '']),
        ),
      );
    }
    const media = response.content && response.content['application/json'];
    if (media && media.example !== undefined) {
      section.append(el('pre', {}, JSON.stringify(media.example, null, 2)));
    }
  }
  for (const sample of op['x-codeSamples'] || []) {
    section.append(el('h4', {}, `Example (${sample.label})`), el('pre', {}, sample.source));
  }
  return section;
}

function renderItemSchema(doc) {
  const item = doc.components && doc.components.schemas && doc.components.schemas.Influencer;
  if (!item) return null;
  const section = el('section', { id: 'influencer-fields' }, el('h2', {}, 'Fields of an influencer'));
  section.append(
    table(
      ['field', 'type', 'meaning'],
      Object.entries(item.properties).map(([name, s]) => [
        el('code', {}, name),
        schemaSummary(s),
        [s.title, s.description].filter(Boolean).join('. '),
      ]),
    ),
  );
  return section;
}

async function renderReference() {
  const doc = await (await fetch('/openapi.json')).json();
  document.getElementById('title').textContent = doc.info.title;
  const server = doc.servers && doc.servers[0] ? doc.servers[0].url : location.origin;
  document.getElementById('subtitle').textContent = `Version ${doc.info.version} · server ${server}`;
  const reference = document.getElementById('reference');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) reference.append(renderOperation(doc, path, method, op));
  }
  const fields = renderItemSchema(doc);
  if (fields) reference.append(fields);
  const errorSchema = doc.components && doc.components.schemas && doc.components.schemas.ErrorEnvelope;
  if (errorSchema) {
    reference.append(
      el(
        'section',
        { id: 'error-envelope' },
        el('h2', {}, 'Error envelope'),
        el('pre', {}, JSON.stringify(resolve(doc, '#/components/schemas/ErrorEnvelope'), null, 2)),
      ),
    );
  }
}

function formatRate(rate) {
  return typeof rate === 'number' ? `${(rate * 100).toFixed(2)} %` : '';
}

async function tryIt(event) {
  event.preventDefault();
  const form = event.target;
  const status = document.getElementById('try-status');
  const results = document.getElementById('try-results');
  const raw = document.getElementById('try-raw');
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name !== 'api_key' && String(value).trim() !== '') params.set(name, String(value).trim());
  }
  const url = `${LIST_PATH}?${params}`;
  document.getElementById('try-url').textContent = `GET ${url}`;
  status.className = '';
  status.textContent = 'Sending…';
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${form.elements.api_key.value.trim()}` },
    });
    const body = await response.json();
    raw.hidden = false;
    raw.querySelector('pre').textContent = JSON.stringify(body, null, 2);
    const credits = response.headers.get('x-credits-remaining');
    if (response.ok) {
      status.className = 'status-ok';
      status.textContent =
        `${response.status} ${body.message}: ${body.data.length} influencers` +
        (credits !== null ? ` · credits remaining ${credits}` : '');
      const tbody = results.querySelector('tbody');
      tbody.replaceChildren(
        ...body.data.map((row) =>
          el(
            'tr',
            {},
            ...[
              row.user_id,
              row.unique_id,
              row.nick_name,
              row.category,
              String(row.total_followers_cnt),
              String(row.total_followers_30d_cnt),
              formatRate(row.interaction_rate),
              String(row.sales_flag),
            ].map((v) => el('td', {}, v)),
          ),
        ),
      );
      results.hidden = false;
    } else {
      status.className = 'status-error';
      status.textContent = `${response.status}: ${body.message} (request ${body.requestId})`;
      results.hidden = true;
    }
  } catch (err) {
    status.className = 'status-error';
    status.textContent = `Request failed: ${err.message}`;
    results.hidden = true;
  }
}

document.getElementById('try-form').addEventListener('submit', tryIt);
renderReference().catch((err) => {
  document.getElementById('subtitle').textContent = `Could not load /openapi.json: ${err.message}`;
});
