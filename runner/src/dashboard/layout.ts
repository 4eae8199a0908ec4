// The frame every dashboard page shares, and the small pieces pages are made of. Pure.
import { h, markupOf, type Html, type Interpolation } from './html.js';
import { LEGEND, outcomeStyle } from './outcomes.js';
import type { Health } from './model.js';

/**
 * Nothing but the dashboard's own stylesheet and images may load, and nothing may run:
 * a second wall behind the escaping, for a copy served without nginx's headers.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'";

export const HEALTH_LABELS: Readonly<Record<Health, string>> = {
  invalid: 'invalid record',
  red: 'red',
  error: 'needs a look',
  green: 'known-good',
  'never-released': 'never released',
  none: 'no canonical',
};

/** "2026-11-01 02:00 UTC"; anything that is not a time is shown as it is. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return h`-`;
  if (iso.length === 24 && iso.endsWith('Z') && iso[10] === 'T' && Number.isFinite(Date.parse(iso))) {
    return h`<span class="t">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</span>`;
  }
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return h`${iso}`;
  const text = new Date(ms).toISOString();
  return h`<span class="t">${text.slice(0, 10)} ${text.slice(11, 16)} UTC</span>`;
}

export function outcomePill(outcome: string | null | undefined): Html {
  const style = outcomeStyle(outcome);
  return h`<span class="pill o-${style.cls}">${style.label}</span>`;
}

export function healthPill(health: Health): Html {
  return h`<span class="pill h-${health}">${HEALTH_LABELS[health]}</span>`;
}

export function legend(): Html {
  return h`<div class="legend" aria-label="colours of the night marks">${LEGEND.map(
    (s) => h`<span><i class="c-${s.cls}"></i>${s.label}</span>`,
  )}</div>`;
}

export interface PageOptions {
  title: string;
  /** The path from the page to the dashboard's root: '' or '../'. */
  root: string;
  generatedAt: string;
  body: Interpolation;
}

export function page(options: PageOptions): string {
  const { root } = options;
  return `${markupOf(h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<link rel="stylesheet" href="${root}style.css">
<link rel="icon" href="${root}favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="top"><a href="${root}index.html">cc-ci</a><span class="sub">canonical sweep of Co-op Cloud recipes</span><span class="gen">generated ${when(options.generatedAt)}</span></header>
<main>
${options.body}
</main>
<footer>Static pages written by <code>ccci</code> after every sweep; nothing here is fetched from elsewhere.</footer>
</body>
</html>`)}\n`;
}
