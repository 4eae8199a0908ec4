// The pages and badges as text: what they say, and that nothing from the records becomes
// markup, whatever it holds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BADGE_COLOURS, MAX_MESSAGE, renderBadge, textWidth } from '../../src/dashboard/badge.js';
import { buildDashboard, type Badge } from '../../src/dashboard/model.js';
import { renderSite } from '../../src/dashboard/site.js';
import type { DashboardInput } from '../../src/dashboard/input.js';
import {
  HOSTILE,
  attempt,
  canonicalRecord,
  dashboardInput,
  night,
  OTHER_COMMIT,
  promotedAttempt,
  recipe,
  redAttempt,
  run,
} from './inputs.js';

describe('badges', () => {
  const cases: [Badge, string, string][] = [
    [{ label: 'canonical', message: '1.13.0+1.31.1', colour: 'green' }, 'canonical: 1.13.0+1.31.1', '#4c1'],
    [{ label: 'canonical', message: 'red 1.14.0+1.31.2', colour: 'red' }, 'canonical: red 1.14.0+1.31.2', '#e05d44'],
    [{ label: 'canonical', message: 'none', colour: 'grey' }, 'canonical: none', '#9f9f9f'],
  ];
  for (const [badge, title, colour] of cases) {
    test(`${badge.colour}: ${badge.message}`, () => {
      const svg = renderBadge(badge);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20" role="img"/);
      assert.ok(svg.includes(`aria-label="${title.replace('+', '+')}"`));
      assert.ok(svg.includes(`<title>${title}</title>`));
      assert.ok(svg.includes(`fill="${colour}"`), `message background ${colour}`);
      assert.ok(svg.includes('fill="#555"'), 'the label is on the shields grey');
      assert.equal((svg.match(/>canonical</g) ?? []).length, 2, 'label text and its shadow');
      assert.equal((svg.match(new RegExp(`>${badge.message.replace(/[+.]/g, '\\$&')}<`, 'g')) ?? []).length, 2);
      const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
      const rects = [...svg.matchAll(/<rect (?:x="(\d+)" )?width="(\d+)" height="20" fill="#(?:555|4c1|e05d44|9f9f9f)"/g)];
      assert.equal(rects.length, 2);
      assert.equal(Number(rects[0]?.[2]) + Number(rects[1]?.[2]), width, 'label and message fill the badge');
    });
  }

  test('the colours are the shields colours', () => {
    assert.deepEqual(BADGE_COLOURS, { green: '#4c1', red: '#e05d44', grey: '#9f9f9f' });
  });

  test('a longer message makes a wider badge; a very long one is cut, the title keeps it whole', () => {
    const width = (message: string) => Number(/width="(\d+)"/.exec(renderBadge({ label: 'canonical', message, colour: 'green' }))?.[1]);
    assert.ok(width('1.0.0') < width('10.20.30+1.31.100'));
    assert.ok(textWidth('m') > textWidth('i'));
    const long = `1.0.0+${'x'.repeat(100)}`;
    const svg = renderBadge({ label: 'canonical', message: long, colour: 'green' });
    assert.ok(svg.includes(`<title>canonical: ${long}</title>`));
    assert.ok(svg.includes(`>${long.slice(0, MAX_MESSAGE - 1)}…<`));
  });

  test('a hostile message is text in the SVG', () => {
    for (const hostile of HOSTILE) {
      const svg = renderBadge({ label: 'canonical', message: hostile, colour: 'grey' });
      assert.equal((svg.match(/</g) ?? []).length, (renderBadge({ label: 'canonical', message: 'x', colour: 'grey' }).match(/</g) ?? []).length);
      assert.doesNotMatch(svg, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'no character XML forbids');
    }
  });
});

/** A dashboard whose every outside string is `s`. */
export function inputWith(s: string): DashboardInput {
  const r = recipe('hostile', {
    canonical: { state: 'present', record: canonicalRecord(s, 'run-a', { domain: s, snapshot: { id: 'snap', volumes: [s], bytes: 1 } }) },
    attempts: [
      promotedAttempt('hostile', night(5), s, 'run-a'),
      redAttempt('hostile', night(2), `9.9.9+${s}`, 'run-b'),
      attempt('hostile', night(0), { outcome: s, decision: s, tag: s }),
    ],
    runs: {
      'run-a': run('run-a', { version: s, interrupted: s }),
      'run-b': run('run-b', { verdict: 'red', rungs: [{ rung: s, status: 'fail', reason: s }] }),
    },
    lastReport: {
      sweepId: 'x',
      startedAt: night(0),
      recipe: { recipe: 'hostile', decision: s, reason: s, latestTag: s, runId: null, outcome: s, error: s, warnings: [s] },
    },
  });
  const broken = recipe('broken', { canonical: { state: 'invalid', problem: s } });
  return dashboardInput([r, broken], {
    problems: [s],
    sweeps: [{ file: 'f', sweepId: s, startedAt: night(0), durationMs: 5, result: s, exitCode: 1, retryRed: false, dryRun: false, recipes: [], recipeCount: 0, warnings: [s] }],
  });
}

/** The markup's tags and attributes without their values: what the page is made of. */
export function skeleton(markup: string): string[] {
  return [...markup.matchAll(/<\/?[a-zA-Z][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
}

describe('pages', () => {
  test('every enrolled recipe on the index, each with its own page and badge, the red reason shown', () => {
    const model = buildDashboard(
      dashboardInput([
        recipe('custom-html', {
          canonical: { state: 'present', record: canonicalRecord('1.0.0+1.27.2', 'run-a') },
          attempts: [promotedAttempt('custom-html', night(3), '1.0.0+1.27.2', 'run-a'), redAttempt('custom-html', night(0), '1.1.0+1.28.0', 'run-b', OTHER_COMMIT)],
          runs: {
            'run-a': run('run-a'),
            'run-b': run('run-b', { verdict: 'red', rungs: [{ rung: 'install', status: 'fail', reason: 'GET / answered 500' }] }),
          },
        }),
        recipe('gitea'),
      ]),
    );
    const site = renderSite(model);
    assert.deepEqual([...site.keys()].sort(), [
      'badges/custom-html.svg',
      'badges/gitea.svg',
      'favicon.svg',
      'index.html',
      'recipes/custom-html.html',
      'recipes/gitea.html',
      'style.css',
    ]);
    const index = site.get('index.html') as string;
    assert.match(index, /href="recipes\/custom-html\.html"/);
    assert.match(index, /href="recipes\/gitea\.html"/);
    assert.match(index, /newest tag 1\.1\.0\+1\.28\.0 is red at install: GET \/ answered 500/);
    const page = site.get('recipes/custom-html.html') as string;
    assert.match(page, /<td class="reason">GET \/ answered 500<\/td>/);
    assert.match(page, /href="\.\.\/runs\/run-b\.log"/);
    assert.match(page, /href="\.\.\/runs\/run-a\.results\.json"/);
    assert.match(page, /<img src="\.\.\/badges\/custom-html\.svg" alt="canonical: red 1\.1\.0\+1\.28\.0"/);
    assert.match(page, /!\[canonical\]\(badges\/custom-html\.svg\)/);
    assert.match(site.get('badges/gitea.svg') as string, /canonical: none/);
    for (const [name, text] of site) {
      if (!name.endsWith('.html')) continue;
      assert.match(text, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;self&#39;; img-src &#39;self&#39;/);
      assert.doesNotMatch(text, /<script|https?:\/\/(?!www\.w3\.org)/, `${name}: no script and nothing from elsewhere`);
    }
  });

  for (const hostile of HOSTILE) {
    test(`a record holding ${JSON.stringify(hostile)} changes no tag of any page`, () => {
      const benign = renderSite(buildDashboard(inputWith('benign')));
      const evil = renderSite(buildDashboard(inputWith(hostile)));
      for (const [name, text] of benign) {
        const other = evil.get(name) as string;
        if (name.endsWith('.css')) continue;
        assert.deepEqual(skeleton(other), skeleton(text), name);
        assert.doesNotMatch(other, /<script|<img src=x|<svg\/onload/i, name);
        assert.deepEqual(skeleton(other).filter((tag) => /\son(error|load)=/i.test(tag)), [], `${name}: no event handler attribute`);
      }
    });
  }

  test('property: no string from a record adds, removes or opens a tag', () => {
    const benign = renderSite(buildDashboard(inputWith('benign')));
    const shapes = new Map([...benign].map(([name, text]) => [name, skeleton(text)]));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (s) => {
        for (const [name, text] of renderSite(buildDashboard(inputWith(s)))) {
          if (name.endsWith('.css')) continue;
          assert.deepEqual(skeleton(text), shapes.get(name), name);
        }
      }),
      { numRuns: 60 },
    );
  });
});
