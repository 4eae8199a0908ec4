// badges/<recipe>.svg: the recipe's CI state in the shields.io "flat" style, for a
// recipe README: "canonical | 1.13.0+1.31.1" green, "canonical | red 1.14.0+1.31.2" when
// the newest tag is red, grey when there is no canonical. Pure.
import { h, markupOf } from './html.js';
import type { Badge } from './model.js';

export const BADGE_COLOURS: Readonly<Record<Badge['colour'], string>> = {
  green: '#4c1',
  red: '#e05d44',
  grey: '#9f9f9f',
};

// Advance widths of Verdana at 11 px (the shields font), for the characters tags and
// versions are made of; anything else counts as a wide letter.
const NARROW: Readonly<Record<string, number>> = {
  ' ': 3.9, '.': 3.9, ',': 3.9, ':': 4.6, ';': 4.6, '-': 4.6, '+': 9.2, '_': 7, '/': 4.9, '(': 4.5, ')': 4.5,
  i: 3, j: 3.8, l: 3, f: 3.9, t: 4.3, r: 4.7, s: 5.7, c: 5.8, z: 5.8, k: 6.5, v: 6.5, x: 6.5, y: 6.5,
  a: 6.7, e: 6.6, o: 6.7, b: 6.9, d: 6.9, g: 6.9, p: 6.9, q: 6.9, h: 7, n: 7, u: 7, w: 9, m: 10.7,
  I: 4.6, J: 5, L: 6.1, F: 6.9, E: 6.9, T: 6.8, S: 7.6, P: 7.3, Z: 7.5, K: 7.7, B: 7.5, R: 7.7,
  C: 7.7, X: 7.6, Y: 6.8, V: 7.6, A: 7.5, G: 8.5, D: 8.5, U: 8.1, H: 8.3, N: 8.2, O: 8.7, Q: 8.7,
  M: 9.3, W: 11,
};
const DIGIT_WIDTH = 7;
const DEFAULT_WIDTH = 8;

export function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += c >= '0' && c <= '9' ? DIGIT_WIDTH : (NARROW[c] ?? DEFAULT_WIDTH);
  return Math.round(width * 10) / 10;
}

/** Longer messages are cut (the title keeps them whole): a badge is a glance. */
export const MAX_MESSAGE = 40;

function cut(text: string): string {
  const chars = [...text];
  return chars.length > MAX_MESSAGE ? `${chars.slice(0, MAX_MESSAGE - 1).join('')}…` : text;
}

export function renderBadge(badge: Badge): string {
  const label = badge.label;
  const message = cut(badge.message);
  const labelWidth = Math.round(textWidth(label) + 10);
  const messageWidth = Math.round(textWidth(message) + 10);
  const width = labelWidth + messageWidth;
  const colour = BADGE_COLOURS[badge.colour];
  const title = `${badge.label}: ${badge.message}`;
  const labelX = labelWidth * 5;
  const messageX = labelWidth * 10 + messageWidth * 5;
  const labelLength = Math.round(textWidth(label) * 10);
  const messageLength = Math.round(textWidth(message) * 10);
  return `${markupOf(h`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}"><title>${title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${colour}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110"><text aria-hidden="true" x="${labelX}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${labelLength}">${label}</text><text x="${labelX}" y="140" transform="scale(.1)" fill="#fff" textLength="${labelLength}">${label}</text><text aria-hidden="true" x="${messageX}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${messageLength}">${message}</text><text x="${messageX}" y="140" transform="scale(.1)" fill="#fff" textLength="${messageLength}">${message}</text></g></svg>`)}\n`;
}
