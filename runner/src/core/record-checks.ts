// The plain checks of the records cc-ci reads on every run (configuration, canonical.json,
// attempts, sync records, sweep reports), without zod. Pure.
//
// Why: loading zod costs about as much as starting node itself, and a no-op night or
// `ccci status` would pay it for records that are exactly as cc-ci wrote them. So each
// such record has a plain check that accepts only the plain shape its writer makes, and
// returns the value the zod schema would (same keys, same order, defaults filled in).
// Anything else (an unknown key, an odd value, a hand edit) gets `undefined`, and the
// reader then asks the zod schema, which stays the specification: it accepts or rejects
// and words the error. A plain check may refuse what the schema accepts (that only costs
// time), never the other way round; the agreement tests hold every check to that.

/** What a plain check returns when it cannot vouch for the value. */
export type Checked<T> = T | undefined;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Own keys all among `allowed`, and every one of `required` present. */
export function hasKeys(value: Record<string, unknown>, allowed: readonly string[], required: readonly string[] = allowed): boolean {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return false;
  for (const key of required) if (!Object.hasOwn(value, key)) return false;
  return true;
}

/** Printable, no control characters, at most `max` characters: what an identifier or a message may hold. */
export function isPlainString(value: unknown, max = 4096): value is string {
  // eslint-disable-next-line no-control-regex
  return typeof value === 'string' && value.length <= max && !/[\x00-\x1f\x7f]/.test(value);
}

export function isNonEmptyPlainString(value: unknown, max = 4096): value is string {
  return isPlainString(value, max) && value.length > 0;
}

/** A name that is safe as one path component: starts with a letter or digit, then [A-Za-z0-9._-]. */
export function isSafeName(value: unknown, max = 255): value is string {
  return typeof value === 'string' && value.length <= max && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value);
}

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function isFiniteNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The number written in `text` at [from, from + length), all digits (checked by the caller). */
function digitsAt(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i += 1) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * `Date#toISOString()` output of a real date (years 0000-9999): what every writer here
 * stores. Checked field by field (the proleptic Gregorian calendar, as Date's), not by a
 * round trip through Date: every record a sweep reads holds a few, and the round trip
 * cost as much as the rest of the record's check. (A test holds the two equal.)
 */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_UTC_MS.test(value)) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digitsAt(value, 11, 2) <= 23 &&
    digitsAt(value, 14, 2) <= 59 &&
    digitsAt(value, 17, 2) <= 59
  );
}

export function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

export function isStringArray(value: unknown, item: (s: unknown) => boolean): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && item(v));
}
