// One control of the search panel: its element, and how it reads its parameters from and writes them to
// the query (the API's parameter names, as in the URL).
export interface Control {
  readonly element: HTMLElement;
  /** Sets the control's parameters on the query (deletes them when the control is empty). */
  read(query: URLSearchParams): void;
  /** Shows the query's values. */
  write(query: URLSearchParams): void;
}

/** Sets or deletes one parameter. */
export function setParam(query: URLSearchParams, name: string, value: string): void {
  if (value.trim() === '') query.delete(name);
  else query.set(name, value.trim());
}
