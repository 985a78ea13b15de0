// A min/max pair for one ranked field. Counts accept 50k, 1.5M; percentages are typed as percent and sent as
// the fraction the API takes (5 → 0.05). A value that is not a number is sent as typed, so the API's 400
// names the parameter.
import { h, uid } from '../dom.ts';
import type { RangeKind } from '../query.ts';
import { setParam, type Control } from './control.ts';

const SUFFIX: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, b: 1e9 };

/**
 * "50k" → "50000"; "1.5M" → "1500000"; with `signed`, "-2k" → "-2000"; with `decimals`, "48.35" stays
 * (dollars, ec_score). Anything else is returned as typed, so the API's 400 names the parameter.
 */
export function parseCount(text: string, options: { signed?: boolean; decimals?: boolean } = {}): string {
  const match = /^\s*([-+−]?)\s*(\d+(?:\.\d+)?)\s*([kmb])?\s*$/i.exec(text.replace(/[,$]/g, ''));
  if (!match || (match[1] && !options.signed)) return text.trim();
  const value = Number(match[2]) * (match[3] ? SUFFIX[match[3].toLowerCase()]! : 1);
  const magnitude = options.decimals ? String(Number(value.toPrecision(12))) : String(Math.round(value));
  return match[1] === '-' || match[1] === '−' ? `-${magnitude}` : magnitude;
}

/** "5" (percent) → "0.05"; anything else unchanged. */
export function percentToFraction(text: string): string {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return t;
  return String(Number((Number(t) / 100).toPrecision(12)));
}

export function fractionToPercent(text: string): string {
  if (!/^\d+(\.\d+)?$/.test(text)) return text;
  return String(Number((Number(text) * 100).toPrecision(12)));
}

const TO_API: Readonly<Record<RangeKind, (text: string) => string>> = {
  count: (t) => parseCount(t),
  signed: (t) => parseCount(t, { signed: true }),
  money: (t) => parseCount(t, { decimals: true }),
  decimal: (t) => parseCount(t, { decimals: true }),
  percent: percentToFraction,
};

export function rangeField(spec: { field: string; label: string; kind: RangeKind }): Control {
  const id = uid(spec.field);
  const input = (side: 'min' | 'max') =>
    h('input', {
      id: `${id}-${side}`,
      name: `${side}_${spec.field}`,
      inputmode: spec.kind === 'signed' ? 'text' : 'decimal',
      autocomplete: 'off',
      placeholder: spec.kind === 'signed' && side === 'min' ? 'e.g. -500' : 'any',
      size: 8,
    });
  const min = input('min');
  const max = input('max');
  const toApi = TO_API[spec.kind];
  const fromApi = spec.kind === 'percent' ? fractionToPercent : (text: string) => text;
  const element = h(
    'fieldset',
    { class: 'range' },
    h('legend', {}, spec.label),
    h('label', { for: min.id }, 'from'),
    min,
    h('label', { for: max.id }, 'to'),
    max,
  );
  return {
    element,
    read(query) {
      setParam(query, min.name, toApi(min.value));
      setParam(query, max.name, toApi(max.value));
    },
    write(query) {
      min.value = fromApi(query.get(min.name) ?? '');
      max.value = fromApi(query.get(max.name) ?? '');
    },
  };
}
