// `ccci demo`: the real sweep, end to end, in a sandbox made of the test doubles. It
// tells a story an operator can check line by line, and checks it itself: the demo exits
// 1 if any step did not turn out as announced.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectStatus } from '../status/status.js';
import { renderStatus } from '../status/render.js';
import { defaultSweepEffects } from '../sweep/default-effects.js';
import { progressTo, type Progress } from '../sweep/progress.js';
import { renderSweepSummary, type SweepReport } from '../sweep/report.js';
import { sweep } from '../sweep/sweep.js';
import { headCommit } from '../effects/git.js';
import { bareCloneOf, commitUntagged, createFixtureRecipe, publishTo, releaseVersion, writeRecipeDefinition } from './fixtures.js';
import { createSandbox, sandboxConfig } from './sandbox.js';

const RECIPE = 'custom-html';

interface Expectation {
  title: string;
  act: () => Promise<void>;
  expect: (report: SweepReport) => string | null;
  retryRed?: boolean;
}

export async function runDemo(out: NodeJS.WritableStream, options: { keep?: boolean } = {}): Promise<number> {
  const say = (line = '') => out.write(`${line}\n`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'ccci-demo-'));
  const sandbox = await createSandbox(root);
  try {
    const work = path.join(root, 'work', RECIPE);
    const definitions = path.join(root, 'definitions');
    const tokenFile = path.join(root, 'secrets', 'mirror-token');
    await mkdir(path.dirname(tokenFile), { recursive: true, mode: 0o700 });
    await writeFile(tokenFile, 'demo-token-never-printed\n', { mode: 0o600 });
    await createFixtureRecipe(work, RECIPE, { version: '1.0.0+1.27.2' });
    const firstTag = await headCommit(work);
    await commitUntagged(work, { version: '1.0.1+1.27.2', message: 'unreleased work on main' });
    const upstream = path.join(root, 'upstream', `${RECIPE}.git`);
    await bareCloneOf(work, upstream);
    await bareCloneOf(work, path.join(root, 'mirror', `${RECIPE}.git`));
    await writeRecipeDefinition(definitions, RECIPE, {
      description: 'fixture recipe of the demo',
      deployTimeoutSeconds: 8,
      backup: { capable: true },
      functional: [{ name: 'home page', path: '/', status: 200 }],
    });
    const config = sandboxConfig(sandbox, definitions, {
      upstream: `file://${path.join(root, 'upstream')}`,
      mirror: { url: `file://${path.join(root, 'mirror')}`, api: null, owner: 'demo', tokenFile },
      recipes: { [RECIPE]: {} },
      maxConcurrentRuns: 1,
      // Written after every sweep, as on a CI server (open it with --keep).
      dashboardDir: path.join(root, 'dashboard'),
    });

    say(`cc-ci demo: a sandbox in ${root}`);
    say(`  upstream ${upstream}: tag 1.0.0+1.27.2 at ${firstTag.slice(0, 8)}, main one untagged commit ahead`);
    say(`  abra and docker are the test doubles of checks/fakes; the fake ingress listens on ${sandbox.ingress}`);
    say();

    const publish = () => publishTo(work, upstream);
    const steps: Expectation[] = [
      {
        title: 'First sweep: the newest tag 1.0.0+1.27.2 has never run, so it runs cold and is promoted at the tag commit',
        act: async () => undefined,
        expect: (r) => {
          const x = r.recipes[0];
          if (x?.outcome !== 'promoted') return `expected promoted, got ${x?.outcome}`;
          if (x.canonicalAfter?.commit !== firstTag) return `recorded commit ${x.canonicalAfter?.commit}, not the tag's ${firstTag}`;
          return null;
        },
      },
      {
        title: 'Second sweep: nothing new, so nothing runs',
        act: async () => undefined,
        expect: (r) => (r.recipes[0]?.decision === 'skip:no-new-version' ? null : `expected skip:no-new-version, got ${r.recipes[0]?.decision}`),
      },
      {
        title: 'An untagged commit lands on main upstream: untagged commits never trigger a run',
        act: async () => {
          await commitUntagged(work, { version: '1.1.0+1.28.0', message: 'more unreleased work' });
          await publish();
        },
        expect: (r) => (r.recipes[0]?.decision === 'skip:no-new-version' ? null : `expected skip:no-new-version, got ${r.recipes[0]?.decision}`),
      },
      {
        title: 'Tag 1.1.0+1.28.0 is released, but the app answers 500: the run is red and nothing is promoted',
        act: async () => {
          await releaseVersion(work, '1.1.0+1.28.0', { http: 500 });
          await publish();
        },
        expect: (r) => {
          const x = r.recipes[0];
          if (x?.outcome !== 'red') return `expected red, got ${x?.outcome}`;
          if (x.canonicalAfter?.version !== '1.0.0+1.27.2') return `canonical moved to ${x.canonicalAfter?.version}`;
          return null;
        },
      },
      {
        title: 'Next night: the red tag at the same commit is not run again (the weekly --retry-red would)',
        act: async () => undefined,
        expect: (r) => (r.recipes[0]?.decision === 'skip:known-red' ? null : `expected skip:known-red, got ${r.recipes[0]?.decision}`),
      },
      {
        title: 'Tag 1.2.0+1.29.0 fixes it: it runs, upgrading from the canonical 1.0.0+1.27.2, and is promoted',
        act: async () => {
          await releaseVersion(work, '1.2.0+1.29.0');
          await publish();
        },
        expect: (r) => {
          const x = r.recipes[0];
          if (x?.outcome !== 'promoted') return `expected promoted, got ${x?.outcome}`;
          if (x.canonicalAfter?.version !== '1.2.0+1.29.0') return `canonical is ${x.canonicalAfter?.version}`;
          return null;
        },
      },
    ];

    const progress = progressTo(out);
    const quiet: Progress = {
      ...progress,
      step: (i: number, n: number, r: string, message: string) => {
        if (!message.startsWith('  ')) progress.step(i, n, r, message);
      },
    };
    let failures = 0;
    for (const [index, step] of steps.entries()) {
      say(`== ${index + 1}. ${step.title}`);
      await step.act();
      const outcome = await sweep(config, { recipes: [], dryRun: false, retryRed: step.retryRed ?? false }, defaultSweepEffects(), quiet);
      progress.close?.();
      if (outcome.kind !== 'done') {
        say(`unexpected: the sweep lock is held by ${outcome.holder}`);
        return 1;
      }
      say(renderSweepSummary(outcome.report));
      const problem = step.expect(outcome.report);
      if (problem) {
        failures += 1;
        say(`!! NOT AS EXPECTED: ${problem}`);
      } else {
        say('ok: as expected');
      }
      say();
    }
    say('== Final status');
    say(renderStatus(await collectStatus(config)));
    say();
    say(failures === 0 ? 'demo: every step went as announced' : `demo: ${failures} step(s) did not go as announced`);
    if (options.keep) say(`the sandbox is kept in ${root}; its dashboard: ${path.join(root, 'dashboard', 'index.html')}`);
    return failures === 0 ? 0 : 1;
  } finally {
    await sandbox.stop();
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
}
