// A labelled <select> bound to one parameter (region, gender, sales channel, showcase, sort).
import { h, uid } from '../dom.ts';
import { setParam, type Control } from './control.ts';

export interface SelectFieldOptions {
  readonly param: string;
  readonly label: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  /** Shown under the control (e.g. "US only"). */
  readonly hint?: string;
  /** Spans the panel's width (long option labels such as "US (407 creators)"). */
  readonly wide?: boolean;
}

export function selectField(spec: SelectFieldOptions): Control & {
  readonly select: HTMLSelectElement;
  /** Replaces the options, keeping the value chosen when it is still one of them. */
  setOptions(options: SelectFieldOptions['options']): void;
} {
  let options = spec.options;
  const id = uid(spec.param);
  const hintId = spec.hint ? `${id}-hint` : undefined;
  const select = h('select', { id, name: spec.param, 'aria-describedby': hintId });
  for (const option of options) select.append(h('option', { value: option.value }, option.label));
  const element = h(
    'div',
    { class: spec.wide ? 'field wide' : 'field' },
    h('label', { for: id }, spec.label),
    select,
    spec.hint ? h('small', { id: hintId, class: 'hint' }, spec.hint) : null,
  );
  return {
    element,
    select,
    setOptions(next) {
      const value = select.value;
      options = next;
      select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
      if (options.some((o) => o.value === value)) select.value = value;
    },
    read: (query) => setParam(query, spec.param, select.value),
    write: (query) => {
      const value = query.get(spec.param) ?? '';
      select.value = options.some((o) => o.value === value) ? value : (options[0]?.value ?? '');
    },
  };
}
