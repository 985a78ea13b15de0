// Query parameters, declared once: each declaration parses and validates its raw value, documents itself in
// the served OpenAPI document and in docs/api.md, and tells the route suite what values it accepts.
// Endpoints build their contract from these kinds; no endpoint parses a query string by hand.

/** An OpenAPI 3.0 schema object, as far as query parameters need it. */
export interface ParameterSchema {
  readonly type: 'integer' | 'number' | 'string';
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly (number | string)[];
  readonly default?: number | string;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly example?: number | string;
}

/** One query parameter: how it is documented and how its raw value is parsed. */
export interface Parameter<T = unknown> {
  readonly name: string;
  readonly required: boolean;
  /** The served OpenAPI description. */
  readonly description: string;
  readonly schema: ParameterSchema;
  /** The rule column of docs/api.md's parameter table (markdown). */
  readonly rule: string;
  /** Parses a non-empty raw value; throws InvalidParameter naming the parameter. */
  parse(raw: string): T;
}

/** A parameter value that breaks its rule: a 400 whose message names the parameter. */
export class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidParameter';
  }
}

/** Quotes a received value for an error message, shortened so a huge value cannot bloat the reply. */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/** Largest count accepted by a count filter (2^53 − 1: every value is exact in a double). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;
/** Longest accepted value of a free-text parameter. */
export const TEXT_MAX_LENGTH = 100;

const DIGITS = /^\d+$/;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
const SIGNED_DIGITS = /^[-+]?\d+$/;

interface Documented {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** docs/api.md's rule text; derived from the kind when absent. */
  readonly rule?: string;
  /** What a valid value is, in the words of the 400 message ("<name> must be <mustBe>, got …"). */
  readonly mustBe?: string;
  readonly example?: number | string;
}

/** An integer within [min, max], plain decimal digits only (no sign, decimals, exponent or spaces). */
export function integerParameter(
  spec: Documented & { readonly min: number; readonly max: number; readonly default?: number },
): Parameter<number> {
  const { name, min, max } = spec;
  const mustBe =
    spec.mustBe ??
    (min === 0 && max === MAX_COUNT
      ? `a non-negative integer (0 to ${MAX_COUNT})`
      : `an integer between ${min} and ${max}`);
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'integer',
      minimum: min,
      maximum: max,
      ...(spec.default !== undefined && { default: spec.default }),
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? `integer ${min === 0 && max === MAX_COUNT ? '≥ 0' : `${min}–${max}`}`,
    parse: (raw) => integerIn(name, raw, min, max, mustBe),
  };
}

/** One of a few integer codes, e.g. a sort field or a flag; `codes` maps each code to its meaning. */
export function codeParameter(
  spec: Documented & { readonly codes: readonly (readonly [number, string])[]; readonly default?: number },
): Parameter<number> {
  const { name, codes } = spec;
  const values = codes.map(([code]) => code);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const meaning = codes.map(([code, what]) => `${code} = ${what}`).join(', ');
  const mustBe =
    spec.mustBe ??
    (values.length === 2 ? `${values[0]} or ${values[1]}` : `an integer between ${min} and ${max}`);
  const contiguous = values.every((v, i) => v === min + i);
  return {
    name,
    required: spec.required ?? false,
    description: `${spec.description}: ${meaning}.`,
    schema: {
      type: 'integer',
      enum: values,
      ...(spec.default !== undefined && { default: spec.default }),
    },
    rule: spec.rule ?? meaning,
    parse(raw) {
      const n = integerIn(name, raw, min, max, mustBe);
      if (!contiguous && !values.includes(n))
        throw new InvalidParameter(name, `${name} must be one of ${values.join(', ')}, got ${shown(raw)}`);
      return n;
    },
  };
}

/** A non-negative decimal number written plainly (0.05, not 5 %, .05 or 5e-2). */
export function decimalParameter(
  spec: Documented & {
    /** Largest value accepted, and the 400's words past it ("<name> must be <tooLarge>, got …"). */
    readonly max?: number;
    readonly tooLarge?: string;
  },
): Parameter<number> {
  const { name, max } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'number',
      minimum: 0,
      ...(max !== undefined && { maximum: max }),
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? `decimal number ≥ 0`,
    parse(raw) {
      const n = PLAIN_DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n))
        throw new InvalidParameter(
          name,
          `${name} must be ${spec.mustBe ?? 'a non-negative decimal number'}, got ${shown(raw)}`,
        );
      if (max !== undefined && n > max)
        throw new InvalidParameter(
          name,
          `${name} must be ${spec.tooLarge ?? `at most ${max}`}, got ${shown(raw)}`,
        );
      return n;
    },
  };
}

/** An integer that may be negative (a growth): plain decimal digits after an optional sign, |n| ≤ 2^53 − 1. */
export function signedIntegerParameter(spec: Documented): Parameter<number> {
  const { name } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'integer',
      minimum: -MAX_COUNT,
      maximum: MAX_COUNT,
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? 'integer, may be negative (`-500`)',
    parse(raw) {
      const n = SIGNED_DIGITS.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n))
        throw new InvalidParameter(
          name,
          `${name} must be ${spec.mustBe ?? 'an integer, optionally signed (-500), without decimals or exponent'}, got ${shown(raw)}`,
        );
      return n === 0 ? 0 : n; // -0 is 0
    },
  };
}

/** Free text of at most `maxLength` characters, compared case-insensitively (returned lower-cased). */
export function textParameter(spec: Documented & { readonly maxLength?: number }): Parameter<string> {
  const { name } = spec;
  const maxLength = spec.maxLength ?? TEXT_MAX_LENGTH;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: { type: 'string', maxLength, ...(spec.example !== undefined && { example: spec.example }) },
    rule: spec.rule ?? `text, at most ${maxLength} characters, case-insensitive`,
    parse(raw) {
      if (raw.length > maxLength)
        throw new InvalidParameter(name, `${name} must be at most ${maxLength} characters`);
      return raw.toLowerCase();
    },
  };
}

/** One of a few words, case-insensitive (returned lower-cased). */
export function wordParameter(spec: Documented & { readonly words: readonly string[] }): Parameter<string> {
  const { name, words } = spec;
  const listed =
    spec.mustBe ?? (words.length === 2 ? `${words[0]} or ${words[1]}` : `one of ${words.join(', ')}`);
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: { type: 'string', enum: words },
    rule: spec.rule ?? `${words.map((w) => `\`${w}\``).join(' or ')}, case-insensitive`,
    parse(raw) {
      const word = raw.toLowerCase();
      if (!words.includes(word))
        throw new InvalidParameter(name, `${name} must be ${listed}, got ${shown(raw)}`);
      return word;
    },
  };
}

/** A comma-separated list of decimal ids (at most `maxIds`), normalised: no leading zeros, no duplicates. */
export function idListParameter(
  spec: Documented & { readonly maxIds: number },
): Parameter<readonly string[]> {
  const { name, maxIds } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'string',
      pattern: '^\\d{1,20}(,\\d{1,20})*$',
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? `one decimal id or a comma-separated list (≤ ${maxIds} ids)`,
    parse(raw) {
      const ids = raw.split(',').map((s) => s.trim());
      if (ids.some((id) => !/^\d{1,20}$/.test(id)))
        throw new InvalidParameter(
          name,
          `${name} must be one decimal id or a comma-separated list of decimal ids, got ${shown(raw)}`,
        );
      if (ids.length > maxIds) throw new InvalidParameter(name, `${name} accepts at most ${maxIds} ids`);
      return [...new Set(ids.map((id) => id.replace(/^0+(?=\d)/, '')))];
    },
  };
}

function integerIn(name: string, raw: string, min: number, max: number, rule: string): number {
  const n = DIGITS.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidParameter(name, `${name} must be ${rule}, got ${shown(raw)}`);
  return n;
}

/** The raw values of a query string by parameter name; an empty value counts as absent. */
export interface GivenParameters {
  /** The parsed value of `parameter`, or undefined when it was not given. */
  get<T>(parameter: Parameter<T>): T | undefined;
}

/** A query-string component decoded strictly: malformed percent-encoding or invalid UTF-8 is an error. */
function decodeComponent(raw: string): string | null {
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) return raw;
  try {
    // decodeURIComponent rejects "%ZZ", truncated escapes, overlong forms and lone surrogates (URIError);
    // URLSearchParams would pass them through or turn them into U+FFFD.
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * Splits a query string (without "?") into raw values, rejecting malformed percent-encoding, invalid UTF-8,
 * unknown and repeated parameter names. Values are parsed lazily, in the order the endpoint asks for them,
 * so the first violation reported is the first in the endpoint's documented order.
 */
export function givenParameters(queryString: string, accepted: readonly Parameter[]): GivenParameters {
  const names = new Set(accepted.map((p) => p.name));
  const raw = new Map<string, string>();
  for (const pair of queryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodeComponent(rawName);
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    const shownName = (n: string) => (n.length > 60 ? n.slice(0, 60) + '…' : n);
    if (name === null)
      throw new InvalidParameter(
        rawName,
        `Malformed parameter name ${shown(rawName)}: invalid percent-encoding or UTF-8`,
      );
    if (!names.has(name)) throw new InvalidParameter(name, `Unknown parameter: ${shownName(name)}`);
    if (value === null)
      throw new InvalidParameter(
        name,
        `${name} has invalid percent-encoding or is not valid UTF-8 (encode each byte of UTF-8 as %XX)`,
      );
    if (raw.has(name)) throw new InvalidParameter(name, `Parameter given more than once: ${name}`);
    raw.set(name, value);
  }
  return {
    get<T>(parameter: Parameter<T>): T | undefined {
      const value = raw.get(parameter.name);
      if (value === undefined || value === '') {
        if (parameter.required)
          throw new InvalidParameter(parameter.name, `Missing required parameter: ${parameter.name}`);
        return undefined;
      }
      return parameter.parse(value);
    },
  };
}

/** A two-letter region code, case-insensitive (returned upper-cased). */
export function regionParameter(spec: Documented): Parameter<string> {
  const { name } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: { type: 'string', pattern: '^[A-Za-z]{2}$', example: 'US' },
    rule: spec.rule ?? 'two letters, case-insensitive (`us` = `US`)',
    parse(raw) {
      if (!/^[A-Za-z]{2}$/.test(raw))
        throw new InvalidParameter(
          name,
          `${name} must be a two-letter region code such as US, got ${shown(raw)}`,
        );
      return raw.toUpperCase();
    },
  };
}

/** One decimal id (1–20 digits), normalised: no leading zeros. */
export function idParameter(spec: Documented): Parameter<string> {
  const { name } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'string',
      pattern: '^\\d{1,20}$',
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? 'one decimal id (1–20 digits)',
    parse(raw) {
      if (!/^\d{1,20}$/.test(raw))
        throw new InvalidParameter(
          name,
          `${name} must be one decimal id of 1 to 20 digits, got ${shown(raw)}`,
        );
      return raw.replace(/^0+(?=\d)/, '');
    },
  };
}

/** A calendar date written yyyymmdd (e.g. 20261124), returned as YYYY-MM-DD. */
export function dateParameter(spec: Documented): Parameter<string> {
  const { name } = spec;
  return {
    name,
    required: spec.required ?? false,
    description: spec.description,
    schema: {
      type: 'string',
      pattern: '^\\d{8}$',
      ...(spec.example !== undefined && { example: spec.example }),
    },
    rule: spec.rule ?? 'a date, `yyyymmdd`',
    parse(raw) {
      const date = /^\d{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}` : '';
      const time = Date.parse(`${date}T00:00:00Z`);
      // Date.parse rolls 2026-02-30 over to March 2: a real date prints back the same.
      if (date === '' || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== date)
        throw new InvalidParameter(
          name,
          `${name} must be a calendar date written yyyymmdd, got ${shown(raw)}`,
        );
      return date;
    },
  };
}
