// CSV records → JSON lines, keeping each record's starting line number (quoted fields may span lines).
// The output feeds the same validation SQL as NDJSON: one JSON array per record,
//   [line, {"column": "text", …}]                      a record with the header's column count
//   [line, null, "record text", "what is wrong"]      a malformed record (wrong column count, bad quoting)
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** RFC 4180: ',' separates fields, '"' quotes, '""' escapes a quote, records end at \n or \r\n. */
export async function csvToJsonLines(csvPath: string, outPath: string): Promise<{ records: number }> {
  const out = createWriteStream(outPath);
  let header: string[] | null = null;
  let records = 0;
  let line = 1; // current physical line
  let recordLine = 1; // line where the current record started
  let field = '';
  let fields: string[] = [];
  let raw = '';
  let inQuotes = false;
  let quoteClosed = false; // just read the closing quote of a quoted field
  let malformed: string | null = null;
  let pending = '';
  let crPending = false;

  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const endRecord = async () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && raw.trim() === '';
    if (!blank) {
      if (header === null) {
        header = fields.map((f) => f.trim());
      } else {
        records++;
        if (malformed === null && fields.length !== header.length)
          malformed = `expected ${header.length} columns (header), found ${fields.length}`;
        if (malformed !== null) {
          await write(JSON.stringify([recordLine, null, raw, malformed]) + '\n');
        } else {
          const obj: Record<string, string> = {};
          header.forEach((name, i) => (obj[name] = fields[i]!));
          await write(JSON.stringify([recordLine, obj]) + '\n');
        }
      }
    }
    field = '';
    fields = [];
    raw = '';
    quoteClosed = false;
    malformed = null;
  };

  for await (const chunk of createReadStream(csvPath, { encoding: 'utf8' })) {
    const text = pending + (chunk as string);
    pending = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (i + 1 === text.length) {
            pending = '"'; // decide with the next chunk whether this is "" or a closing quote
            break;
          }
          if (text[i + 1] === '"') {
            field += '"';
            raw += '""';
            i++;
          } else {
            inQuotes = false;
            quoteClosed = true;
            raw += '"';
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
          raw += ch;
        }
        continue;
      }
      if (ch === '\r') {
        crPending = true; // part of a \r\n record end, unless something follows on the same line
        raw += ch;
        continue;
      }
      if (crPending && ch !== '\n') field += '\r';
      crPending = false;
      if (ch === ',') {
        fields.push(field);
        field = '';
        quoteClosed = false;
        raw += ch;
      } else if (ch === '\n') {
        if (raw.endsWith('\r')) raw = raw.slice(0, -1);
        await endRecord();
        line++;
        recordLine = line;
      } else if (ch === '"' && field === '' && !quoteClosed) {
        inQuotes = true;
        raw += ch;
      } else {
        if (quoteClosed) malformed ??= 'text after a closing quote';
        if (ch === '"') malformed ??= 'quote inside an unquoted field';
        field += ch;
        raw += ch;
      }
    }
  }
  if (pending === '"') {
    inQuotes = false; // a closing quote at the very end of the file
    quoteClosed = true;
    raw += '"';
  }
  if (inQuotes) malformed ??= 'unterminated quoted field';
  if (field !== '' || fields.length > 0 || raw !== '') await endRecord();
  out.end();
  await once(out, 'close');
  return { records };
}
