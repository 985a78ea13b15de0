// A labelled <select> bound to one parameter (region, gender, sales channel, showcase, sort).
import { h, uid } from '../dom.ts';
import { setParam, type Control } from './control.ts';

export interface SelectFieldOptions {
  readonly param: string;
  readonly label: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  /** Shown under the control (e.g. "US only"). */
  readonly hint?: string;
}

export function selectField(spec: SelectFieldOptions): Control & { readonly select: HTMLSelectElement } {
  const id = uid(spec.param);
  const hintId = spec.hint ? `${id}-hint` : undefined;
  const select = h('select', { id, name: spec.param, 'aria-describedby': hintId });
  for (const option of spec.options) select.append(h('option', { value: option.value }, option.label));
  const element = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, spec.label),
    select,
    spec.hint ? h('small', { id: hintId, class: 'hint' }, spec.hint) : null,
  );
  return {
    element,
    select,
    read: (query) => setParam(query, spec.param, select.value),
    write: (query) => {
      const value = query.get(spec.param) ?? '';
      select.value = spec.options.some((o) => o.value === value) ? value : (spec.options[0]?.value ?? '');
    },
  };
}
