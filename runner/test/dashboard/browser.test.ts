/// <reference lib="dom" />
// The dashboard of a real sweep (test doubles) in Debian's Chromium, headless: every
// recipe present, the red reason shown, hostile tags, reasons and log lines shown as text
// and never run, no request leaving the dashboard's own files, a phone-wide layout that
// fits. Screenshots go to a temporary directory; CCCI_UPDATE_SCREENSHOTS=1 writes them
// to docs/ (the README shows them). Without Chromium the test is skipped, saying so.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { writeDashboard } from '../../src/dashboard/dashboard.js';
import { fiveRecipes, HOSTILE_LOG_LINE, HOSTILE_TAG, HOSTILE_VERSION, type FiveRecipes } from './five-recipes.js';
import { serveDirectory, type StaticServer } from './static-server.js';

const CHROMIUM = process.env.CCCI_CHROMIUM ?? '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled to runner/dist/test/dashboard/: the repository's docs/ is four levels up.
const docsDir = path.resolve(here, '../../../../docs');

// As root, Chromium needs --no-sandbox; the rest keep it off the (closed) network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Playwright = typeof import('playwright-core');
type Context = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;

async function whyNot(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CCCI_CHROMIUM)`;
  try {
    await import('playwright-core');
  } catch (error) {
    return `playwright-core cannot be loaded: ${(error as Error).message}`;
  }
  return null;
}

const skipReason = await whyNot();
if (skipReason) process.stderr.write(`\n*** browser test SKIPPED: ${skipReason} ***\n\n`);

describe('the dashboard in a real browser', { skip: skipReason ?? false }, () => {
  let w: FiveRecipes;
  let server: StaticServer;
  let context: Context;
  let profile: string;
  let shots: string;
  /** Every URL the browser asked for, and those outside the dashboard (refused). */
  const asked: string[] = [];
  const outside: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    w = await fiveRecipes();
    // Again after the hostile line went into the red run's log, so the copy has it.
    await writeDashboard(w.s.config, w.dashboardDir);
    server = await serveDirectory(w.dashboardDir);
    profile = mkdtempSync(path.join(os.tmpdir(), 'ccci-chromium-'));
    shots = mkdtempSync(path.join(os.tmpdir(), 'ccci-shots-'));
    const { chromium } = (await import('playwright-core')) as Playwright;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      asked.push(url);
      if (url.startsWith(`${server.origin}/`)) await route.continue();
      else {
        outside.push(url);
        await route.abort();
      }
    });
  });
  after(async () => {
    await context?.close();
    await server?.close();
    await w?.s.close();
    rmSync(profile, { recursive: true, force: true });
    if (shots) rmSync(shots, { recursive: true, force: true });
  });

  async function open(pathname: string, width = 1280) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: width < 600 ? 844 : 860 });
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const response = await page.goto(`${server.origin}/${pathname}`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, pathname);
    return page;
  }

  /** Nothing ran: no script element, no event handler attribute, the title as written. */
  async function assertInert(page: Awaited<ReturnType<typeof open>>, title: RegExp) {
    const found = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${e.tagName}[${a.name}]`),
      ),
      title: document.title,
      images: [...document.querySelectorAll('img')].map((i) => i.getAttribute('src')),
    }));
    assert.equal(found.scripts, 0, 'no script element');
    assert.deepEqual(found.handlers, [], 'no event handler attribute');
    assert.match(found.title, title);
    for (const src of found.images) assert.match(src ?? '', /^\.\.\/badges\/[a-z0-9_-]+\.svg$/, 'images are the badges only');
  }

  test('index: every recipe present with its state, the red reason shown, nothing run', async () => {
    const page = await open('index.html');
    const rows = await page.$$eval('table.t-recipes tbody tr', (trs) =>
      trs.map((tr) => ({
        recipe: tr.querySelector('td:nth-child(1)')?.textContent?.trim(),
        state: tr.querySelector('td:nth-child(2)')?.textContent?.trim(),
      })),
    );
    assert.deepEqual(rows, [
      { recipe: 'broken', state: 'red' },
      { recipe: 'erroring', state: 'invalid record' },
      { recipe: 'good', state: 'known-good' },
      { recipe: 'steady', state: 'known-good' },
      { recipe: 'unreleased', state: 'never released' },
    ]);
    const attention = (await page.textContent('#attention')) ?? '';
    assert.match(attention, /newest tag 2\.0\.0\+2\.0 is red at install: /);
    assert.ok(attention.includes('<img src=x onerror='), 'the hostile version is shown as text in the erroring reason');
    await assertInert(page, /^cc-ci: recipes$/);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `a long hostile version widens the page: ${widths.scroll} > ${widths.client}`);
    const svgs = await page.$$eval('svg.nights', (list) => list.map((s) => s.getBoundingClientRect().width));
    assert.equal(svgs.length, 5);
    for (const width of svgs) assert.ok(width > 100, 'each history strip is drawn');
    await page.screenshot({ path: path.join(shots, 'dashboard-desktop.png') });
    await page.close();
  });

  test('recipe pages: the hostile tag and version are text, the red run links its log', async () => {
    const unreleased = await open('recipes/unreleased.html');
    assert.ok(((await unreleased.textContent('main')) ?? '').includes(HOSTILE_TAG));
    await assertInert(unreleased, /^cc-ci: unreleased$/);
    await unreleased.close();

    const erroring = await open('recipes/erroring.html');
    const text = (await erroring.textContent('main')) ?? '';
    // Quoted in the reason the record is refused for: it is never shown as the canonical's version.
    assert.ok(text.includes(`version ${JSON.stringify(HOSTILE_VERSION)} is not a release version`));
    await assertInert(erroring, /^cc-ci: erroring$/);
    await erroring.close();

    const broken = await open('recipes/broken.html');
    await assertInert(broken, /^cc-ci: broken$/);
    const badge = await broken.$eval('h1 img', (img) => ({ ok: (img as HTMLImageElement).naturalWidth > 0, alt: img.getAttribute('alt') }));
    assert.deepEqual(badge, { ok: true, alt: 'canonical: red 2.0.0+2.0' }, 'the badge SVG loads and renders');
    await broken.click(`a[href="../runs/${w.redRunId}.log"]`);
    await broken.waitForLoadState('load');
    const log = await broken.evaluate(() => ({ text: document.body.innerText, title: document.title, type: document.contentType }));
    assert.equal(log.type, 'text/plain');
    assert.ok(log.text.includes(HOSTILE_LOG_LINE), 'the hostile log line is shown as text');
    assert.doesNotMatch(log.title, /pwned/);
    await broken.close();
  });

  test('a phone: 390 px wide, nothing wider than the screen', async () => {
    const page = await open('index.html', 390);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `the page scrolls sideways: ${widths.scroll} > ${widths.client}`);
    await page.screenshot({ path: path.join(shots, 'dashboard-phone.png') });
    await page.close();
    const recipe = await open('recipes/broken.html', 390);
    const recipeWidths = await recipe.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(recipeWidths.scroll <= recipeWidths.client, `the recipe page scrolls sideways: ${recipeWidths.scroll}`);
    await recipe.close();
  });

  test('no request left the dashboard, and every one asked for a dashboard file', (t: TestContext) => {
    assert.deepEqual(outside, []);
    assert.deepEqual(dialogs, [], 'no alert, confirm or prompt');
    assert.ok(asked.length >= 8);
    for (const url of asked) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/(index\.html|style\.css|favicon\.svg|recipes\/[a-z0-9_-]+\.html|badges\/[a-z0-9_-]+\.svg|runs\/[^/]+\.log)$/);
    // The pages name their icon; for the plain-text log Chromium may still guess at
    // /favicon.ico, on the dashboard's own server.
    for (const p of server.requests) assert.match(p, /^\/(index\.html|style\.css|favicon\.(svg|ico)|recipes\/[a-z0-9_-]+\.html|badges\/[a-z0-9_-]+\.svg|runs\/[^/]+\.log)$/);
    t.diagnostic(`${asked.length} requests, all to the dashboard`);
  });

  test('the screenshots are PNGs of the two widths', (t: TestContext) => {
    for (const [name, width] of [
      ['dashboard-desktop.png', 1280],
      ['dashboard-phone.png', 390],
    ] as const) {
      const png = readFileSync(path.join(shots, name));
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.equal(png.readUInt32BE(16), width);
      if (process.env.CCCI_UPDATE_SCREENSHOTS === '1') {
        mkdirSync(docsDir, { recursive: true });
        copyFileSync(path.join(shots, name), path.join(docsDir, name));
        t.diagnostic(`wrote ${path.join(docsDir, name)}`);
      }
    }
  });
});
