// The kill test: a real `ccci sweep` (a child process, on the test doubles) is SIGKILLed
// at every declared failpoint (CCCI_FAILPOINTS=<point>=kill) while it promotes a new
// version. After each kill: the previous canonical is byte-identical, or (past the
// commit point) the new one is complete; the snapshot the record names verifies; the
// next sweep recovers (and promotes, when the kill came before the commit point); and
// nothing is left behind. The suite covers every point: the set killed at must equal
// the set declared, and it prints the list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { releaseVersion } from '../../src/demo/fixtures.js';
import { FAILPOINTS, type FailpointName } from '../../src/effects/failpoint.js';
import { canonicalPath, loadCanonical } from '../../src/registry/canonical.js';
import { verifySnapshot } from '../../src/registry/snapshot.js';
import { sweepReportSchema } from '../../src/sweep/report.js';
import { assertNothingLeftBehind } from './leftover-checks.js';
import { createScenario, type Scenario } from './scenario.js';

const RECIPE = 'killme';
const WARM_LOCK = `warm-${RECIPE}.ci.example.org.lock`;

interface KillCase {
  point: FailpointName;
  /** Only at the call naming this subject (a file's basename). */
  subject?: string;
  /** Whether the kill comes after canonical.json names the new version. */
  committed: boolean;
}

// Every point once, at the write or lock where a crash matters most.
const CASES: KillCase[] = [
  { point: 'lock:temp-written', subject: 'sweep.lock', committed: false },
  { point: 'lock:linked', subject: WARM_LOCK, committed: false },
  { point: 'atomic-write:temp-created', subject: 'canonical.json', committed: false },
  { point: 'atomic-write:temp-durable', subject: 'canonical.json', committed: false },
  { point: 'atomic-write:renamed', subject: 'canonical.json', committed: true },
  { point: 'promote:disk-guard', committed: false },
  { point: 'promote:prepare', committed: false },
  { point: 'promote:deploy', committed: false },
  { point: 'promote:health', committed: false },
  { point: 'promote:undeploy', committed: false },
  { point: 'promote:snapshot', committed: false },
  { point: 'snapshot:archive-written', committed: false },
  { point: 'snapshot:meta-written', committed: false },
  { point: 'snapshot:verified', committed: false },
  { point: 'snapshot:renamed', committed: false },
  { point: 'promote:record', committed: false },
  { point: 'promote:verify', committed: true },
  { point: 'snapshot-link:temp-created', committed: true },
  { point: 'promote:linked', committed: true },
  { point: 'promote:done', committed: true },
];

/** Two independent machines (scenarios) take every other case, side by side. */
const GROUPS = 2;
const exercised = new Set<string>();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('SIGKILL at every failpoint of a promote', { concurrency: true }, () => {
  for (let group = 0; group < GROUPS; group += 1) {
    describe(`machine ${group + 1}`, { concurrency: 1 }, () => {
      let s: Scenario;
      let minor = 0;
      before(async () => {
        s = await createScenario();
        // Install only, on the doubles: the runs stay short (this file runs inside npm
        // test), the promote is the real one.
        await s.addRecipe(RECIPE, {
          version: '1.0.0+1.0',
          definition: {
            deployTimeoutSeconds: 4,
            notApplicable: [
              { rung: 'upgrade', reason: 'the kill test needs no upgrade' },
              { rung: 'functional', reason: 'the kill test needs no functional tier' },
              { rung: 'lint', reason: 'the kill test needs no lint' },
            ],
          },
        });
        const first = await s.cli(['sweep']);
        assert.equal(first.code, 0, first.stdout + first.stderr);
      });
      after(async () => s.close());

      for (const kill of CASES.filter((_, index) => index % GROUPS === group)) {
        const spec = `${kill.point}${kill.subject ? `@${kill.subject}` : ''}`;
        test(`killed at ${spec}`, async () => {
          minor += 1;
          const version = `1.${minor}.0+1.0`;
          await releaseVersion(s.work[RECIPE] as string, version);
          await s.publish(RECIPE);
          const file = canonicalPath(s.config.stateDir, RECIPE);
          const before = readFileSync(file);
          const previous = await loadCanonical(s.config.stateDir, RECIPE);

          const killed = await s.cli(['sweep'], { env: { CCCI_FAILPOINTS: `${spec}=kill` } });
          assert.equal(killed.signal, 'SIGKILL', `not killed: ${killed.stdout}${killed.stderr}`);
          const said = kill.subject ? escape(spec) : `${escape(kill.point)}(@[^:]+)?`;
          assert.match(killed.stderr, new RegExp(`ccci: failpoint ${said}: kill`));
          exercised.add(kill.point);

          const after = await loadCanonical(s.config.stateDir, RECIPE);
          if (kill.committed) {
            assert.equal(after?.version, version, 'past the commit point: the new canonical');
          } else {
            assert.deepEqual(readFileSync(file), before, 'before the commit point: the previous canonical, byte for byte');
          }
          const named = (kill.committed ? after : previous)?.snapshot.id as string;
          await verifySnapshot(s.config.stateDir, RECIPE, named);

          const next = await s.cli(['sweep', '--json']);
          assert.equal(next.code, 0, next.stderr);
          const report = sweepReportSchema.parse(JSON.parse(next.stdout));
          assert.equal(report.recipes[0]?.outcome, kill.committed ? 'skipped' : 'promoted', JSON.stringify(report.recipes[0]));
          assert.equal((await loadCanonical(s.config.stateDir, RECIPE))?.version, version);
          await assertNothingLeftBehind(s, [RECIPE]);
        });
      }
    });
  }
});

describe('the failpoints', () => {
  test('every declared failpoint was killed at', (t) => {
    const declared = Object.keys(FAILPOINTS).sort();
    t.diagnostic(`failpoints (${declared.length}): ${declared.join(', ')}`);
    for (const point of declared) t.diagnostic(`  ${point}: ${FAILPOINTS[point as FailpointName]}`);
    assert.deepEqual([...exercised].sort(), declared);
  });
});
