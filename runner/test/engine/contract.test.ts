// The contract between the doubles and the real tools: the same recipe CI runs, on the
// same fixture recipes, on the fake swarm and on the real engine, give the same rung
// statuses, levels and verdicts, and the ones the ladder says. On the engine every rung's
// result is read from the real tools: labels of the deployed services, the volumes'
// mountpoints, the lint table on a terminal; and nothing of a run is left afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stackName } from '../../src/effects/docker.js';
import type { RunResult } from '../../src/run/result.js';
import { assertTornDown, createWorld, defineRecipe, publishRecipe, runOnTag, statusOf, type Release, type World } from '../run/helpers.js';
import { abraUnderTest, engineObjects, engineOptions, engineSkip, withSandboxEnv } from './engine.js';

interface Case {
  name: string;
  releases: Release[];
  tag: string;
  definition: Record<string, unknown>;
  expected: { rungs: Record<string, string>; level: number; verdict: 'green' | 'red' };
  /** What the engine's run must show besides the statuses (read from the real tools). */
  evidence?: (result: RunResult, log: string) => void;
}

const CASES: Case[] = [
  {
    name: 'an HTTP app with a data volume and backupbot labels: green to level 5',
    releases: [{ version: '1.0.0+1' }, { version: '1.1.0+1' }],
    tag: '1.1.0+1',
    definition: {
      deployTimeoutSeconds: 60,
      backup: { capable: true },
      functional: [{ name: 'home page names the version', path: '/', status: 200, bodyContains: '1.1.0+1' }],
    },
    expected: { rungs: { install: 'pass', upgrade: 'pass', backup: 'pass', functional: 'pass', lint: 'pass' }, level: 5, verdict: 'green' },
    evidence: (result, log) => {
      const reason = (rung: string) => result.rungs.find((r) => r.rung === rung)?.reason ?? '';
      assert.match(reason('upgrade'), /upgraded 1\.0\.0\+1 -> 1\.1\.0\+1; deployed version label is 1\.1\.0\+1/);
      assert.match(reason('backup'), /round-tripped a marker in 1 place/);
      assert.match(log, /abra app backup create \S+ --no-input \(pty\) -> exit 0/);
      assert.match(reason('lint'), /all 16 lint rules satisfied or skipped/);
    },
  },
  {
    name: 'a version that fails to start: install fails, level 0, red',
    releases: [{ version: '1.0.0+1', fake: { deploy: 'fail' } }, { version: '1.1.0+1' }],
    tag: '1.1.0+1',
    definition: { deployTimeoutSeconds: 60, backup: { capable: true } },
    expected: { rungs: { install: 'fail', upgrade: 'unver', backup: 'unver', functional: 'unver', lint: 'pass' }, level: 0, verdict: 'red' },
    evidence: (result) => {
      assert.match(result.rungs[0]?.reason ?? '', /keeps failing: \d+ tasks failed \(task: non-zero exit \(1\)\)/);
    },
  },
  {
    name: 'a version that never becomes healthy: the upgrade fails, level 1, red',
    releases: [{ version: '1.0.0+1' }, { version: '1.1.0+1', fake: { health: 'fail' } }],
    tag: '1.1.0+1',
    definition: { deployTimeoutSeconds: 12, backup: { capable: true } },
    expected: { rungs: { install: 'pass', upgrade: 'fail', backup: 'unver', functional: 'unver', lint: 'pass' }, level: 1, verdict: 'red' },
    evidence: (result) => {
      assert.match(result.rungs[1]?.reason ?? '', /not healthy: did not converge within 12 s/);
    },
  },
  {
    name: 'a recipe whose lint fails a rule: lint fails, level 4, still green',
    releases: [{ version: '1.0.0+1' }, { version: '1.1.0+1', fake: { lint: ['R004'] } }],
    tag: '1.1.0+1',
    definition: { deployTimeoutSeconds: 60, notApplicable: [{ rung: 'backup', reason: 'the lint case needs no backup' }] },
    expected: { rungs: { install: 'pass', upgrade: 'pass', backup: 'skip', functional: 'skip', lint: 'fail' }, level: 4, verdict: 'green' },
    evidence: (result) => {
      assert.match(result.rungs[4]?.reason ?? '', /lint rules not satisfied: R004/);
    },
  },
];

const skip = engineSkip('contract');

describe(`contract: the doubles and the real engine (${abraUnderTest()}) agree`, { skip }, () => {
  let doubles: World;
  let engine: World;
  before(async () => {
    // Both worlds live at once: neither owns process.env; each run switches to its world's.
    doubles = await createWorld('contract-doubles', { applyToProcess: false });
    engine = await createWorld('contract-engine', { engine: engineOptions() ?? undefined, domain: 'contract.test', applyToProcess: false });
  });
  after(async () => {
    await doubles?.stop();
    await engine?.stop();
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const results: Record<string, RunResult> = {};
      for (const [label, world] of [['doubles', () => doubles], ['engine', () => engine]] as const) {
        const w = world();
        const result = await withSandboxEnv(w.sandbox.env, async () => {
          const recipe = await publishRecipe(w, 'ct', c.releases);
          const definition = await defineRecipe(w, recipe.name, c.definition);
          const run = await runOnTag(w, recipe, c.tag, definition);
          const why = JSON.stringify(run.rungs.map((r) => `${r.rung}: ${r.status}: ${r.reason}`), null, 1);
          assert.deepEqual(statusOf(run), c.expected.rungs, `${label}: ${why}`);
          assert.equal(run.level, c.expected.level, `${label} level`);
          assert.equal(run.verdict, c.expected.verdict, `${label} verdict`);
          c.evidence?.(run, await readFile(path.join(run.runDir, 'run.log'), 'utf8'));
          await assertTornDown(w, run);
          return run;
        });
        results[label] = result;
      }
      const [onDoubles, onEngine] = [results.doubles as RunResult, results.engine as RunResult];
      assert.deepEqual(statusOf(onEngine), statusOf(onDoubles), 'the same rung statuses on both');
      assert.equal(onEngine.level, onDoubles.level, 'the same level on both');
      // Nothing of the run is left on the engine, by the engine's own account.
      assert.deepEqual(await engineObjects(stackName(onEngine.domain)), []);
    });
  }
});
