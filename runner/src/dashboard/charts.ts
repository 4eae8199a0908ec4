// The dashboard's inline SVG charts: the night history of a recipe and the sweep
// durations. Colours are attributes, not CSS, so a chart reads the same wherever it is
// shown. Runs of equal nights are merged into one shape to keep 400 recipes x 90 nights
// small. Pure.
import { formatDuration } from '../text/format.js';
import { segmentsOf, nightCounts, type Night } from './history.js';
import { h, join, type Html } from './html.js';
import type { OutcomeClass } from './outcomes.js';
import type { SweepPoint } from './model.js';

export const OUTCOME_COLOURS: Readonly<Record<OutcomeClass, string>> = {
  promoted: '#1a7f37',
  skipped: '#a8d8b4',
  red: '#cf222e',
  error: '#e16f24',
  'promote-failed': '#8c1020',
  'not-promoted': '#bf8700',
  interrupted: '#8250df',
  'would-run': '#0969da',
  other: '#6e7781',
  none: '#e6e9ed',
};

/** Width of one night in the history, and of its mark (the rest is the gap). */
const NIGHT_STEP = 6;
const NIGHT_MARK = 5;
const NIGHT_HEIGHT = 14;

function nightTitle(nights: readonly Night[]): string {
  const first = nights[0] as Night;
  const last = nights.at(-1) as Night;
  const days = nights.length === 1 ? first.date : `${first.date} to ${last.date} (${nights.length} nights)`;
  const outcomes = nights.flatMap((n) => n.attempts.map((a) => `${a.outcome}${a.tag ? ` ${a.tag}` : ''}`));
  const distinct = [...new Set(outcomes)];
  const shown = distinct.length > 4 ? [...distinct.slice(0, 4), '…'] : distinct;
  return `${days}: ${shown.length > 0 ? shown.join(', ') : 'no sweep'}`;
}

/** "90 nights: 85 skipped, 3 promoted, 2 no sweep" (the chart's text alternative). */
const summaries = new WeakMap<readonly Night[], string>();
export function historySummary(nights: readonly Night[]): string {
  let summary = summaries.get(nights);
  if (summary === undefined) {
    summary = `${nights.length} nights: ${nightCounts(nights)
      .map((c) => `${c.count} ${c.label}`)
      .join(', ')}`;
    summaries.set(nights, summary);
  }
  return summary;
}

/**
 * The nights as one strip, oldest on the left. `detailed`: one shape per run of equal
 * nights with its dates and outcomes as a tooltip; otherwise one path per colour.
 */
export function historyChart(nights: readonly Night[], options: { detailed: boolean }): Html {
  const width = nights.length * NIGHT_STEP - (NIGHT_STEP - NIGHT_MARK);
  const segments = segmentsOf(nights);
  let shapes: Html;
  if (options.detailed) {
    shapes = join(
      segments.map((s) => {
        const w = s.length * NIGHT_STEP - (NIGHT_STEP - NIGHT_MARK);
        return h`<rect x="${s.start * NIGHT_STEP}" width="${w}" height="${NIGHT_HEIGHT}" fill="${OUTCOME_COLOURS[s.cls]}"><title>${nightTitle(s.nights)}</title></rect>`;
      }),
    );
  } else {
    const byColour = new Map<OutcomeClass, string>();
    for (const s of segments) {
      const w = s.length * NIGHT_STEP - (NIGHT_STEP - NIGHT_MARK);
      byColour.set(s.cls, `${byColour.get(s.cls) ?? ''}M${s.start * NIGHT_STEP} 0h${w}v${NIGHT_HEIGHT}h-${w}z`);
    }
    shapes = join([...byColour].map(([cls, d]) => h`<path fill="${OUTCOME_COLOURS[cls]}" d="${d}"/>`));
  }
  return h`<svg class="nights" viewBox="0 0 ${width} ${NIGHT_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${historySummary(nights)}">${shapes}</svg>`;
}

const BAR_STEP = 6;
const BAR_WIDTH = 4;
const CHART_HEIGHT = 48;
const MIN_SLOTS = 30;

/** Sweep durations as bars, oldest on the left, red bars for failed sweeps; null when there is no sweep. */
export function durationChart(points: readonly SweepPoint[]): Html | null {
  if (points.length === 0) return null;
  const longest = Math.max(1, ...points.map((p) => p.durationMs));
  // A few sweeps stay bars at the right end, not blocks stretched over the whole width.
  const slots = Math.max(points.length, MIN_SLOTS);
  const offset = slots - points.length;
  const bars = points.map((p, index) => {
    const i = offset + index;
    const height = Math.max(1, Math.round((p.durationMs / longest) * CHART_HEIGHT));
    const colour = p.result === 'ok' ? OUTCOME_COLOURS.promoted : p.result === 'failed' ? OUTCOME_COLOURS.red : OUTCOME_COLOURS.other;
    const label = `${p.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${formatDuration(p.durationMs)}, ${p.result}${p.retryRed ? ' (retry red)' : ''}, ${p.recipes} recipe(s)`;
    return h`<rect x="${i * BAR_STEP}" y="${CHART_HEIGHT - height}" width="${BAR_WIDTH}" height="${height}" fill="${colour}"><title>${label}</title></rect>`;
  });
  const width = slots * BAR_STEP - (BAR_STEP - BAR_WIDTH);
  const summary = `${points.length} sweeps; longest ${formatDuration(longest)}, last ${formatDuration(points.at(-1)?.durationMs ?? 0)}`;
  return h`<svg class="durations" viewBox="0 0 ${width} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${summary}">${bars}</svg>`;
}
