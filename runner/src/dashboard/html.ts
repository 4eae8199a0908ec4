// HTML and SVG built so that escaping is the default: every value put into an `h`
// template is escaped unless it is already Html (made by `h` itself or by `trusted`).
// Recipe names, tags, reasons and log lines all come from outside; none of them can
// open a tag, close an attribute or end a <style>. Pure: no I/O.

const HTML_BRAND: unique symbol = Symbol('html');

/** Markup that is safe to insert as it is. */
export interface Html {
  readonly [HTML_BRAND]: true;
  readonly markup: string;
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function html(markup: string): Html {
  return { [HTML_BRAND]: true, markup };
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && HTML_BRAND in value;
}

// C0 and C1 controls other than tab, newline and carriage return, lone surrogates and
// the two non-characters XML forbids: not allowed (or not shown) in HTML and SVG text.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Unprintable characters replaced by U+FFFD, so that a hostile string stays visible but inert. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '\uFFFD');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element's content or a double- or single-quoted attribute value (HTML and SVG alike). */
// Anything escapeText changes (most strings hold none of it: they are returned as they are).
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function escapeText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return printable(text).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return escapeText(value);
  if (isHtml(value)) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  // Anything else (an object from parsed JSON posing as Html) is not markup.
  return '';
}

/** The template with every interpolation escaped (arrays joined; null, undefined and booleans omitted). */
export function h(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let markup = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) markup += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return html(markup);
}

/** Markup written by this module's callers themselves (constant CSS, a generated SVG). Never for input. */
export function trusted(markup: string): Html {
  return html(markup);
}

/** The markup of an Html value, for writing it to a file. */
export function markupOf(value: Html): string {
  return value.markup;
}

/** Joins Html values with a separator (itself escaped when a string). */
export function join(values: readonly Interpolation[], separator: Interpolation = ''): Html {
  const sep = render(separator);
  return html(values.map(render).join(sep));
}
