/**
 * Server-rendered HTML without a template engine: `html` is a tagged template that escapes every value it
 * interpolates (text and attribute contexts alike), so a page is safe by default and markup passes only as
 * `SafeHtml` — the result of another `html` call or of `trustedHtml` for a constant. Own code, not a library:
 * the pages are few and small, and twenty lines keep them free of a renderer with its own escaping rules.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ENTITIES[character]);
}

/** A value in a template: text is escaped; `SafeHtml` passes; arrays are joined; null/undefined/false vanish. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let index = 0; index < values.length; index += 1) out += render(values[index]) + strings[index + 1];
  return new SafeHtml(out);
}

/** Markup written by us (a constant): never pass anything that came from a request or the database. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
