// After `abra app undeploy` the stack's containers keep running for seconds while they shut
// down (6 to 16 s on a real engine here), and an app may write to its data on the way out.
// The promote's snapshot must wait until they are gone: it holds the app's last words.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execProgram } from '../../src/effects/exec.js';
import { loadCanonical } from '../../src/registry/canonical.js';
import { snapshotDir } from '../../src/registry/snapshot.js';
import { createScenario, type Scenario } from './scenario.js';

let scenario: Scenario;
before(async () => {
  process.env.FAKE_LINGER_MS = '1500';
  scenario = await createScenario();
});
after(async () => {
  delete process.env.FAKE_LINGER_MS;
  await scenario.close();
});

describe('promote and lingering containers', () => {
  test("the snapshot is taken once the stack's containers are gone, with what they wrote on the way out", async () => {
    await scenario.addRecipe('linger', { version: '1.0.0+1' });
    const outcome = await scenario.sweep();
    assert.equal(outcome.kind, 'done');
    assert.equal(outcome.kind === 'done' && outcome.report.recipes[0]?.outcome, 'promoted', outcome.lines.join('\n'));
    const canonical = await loadCanonical(scenario.config.stateDir, 'linger');
    assert.ok(canonical);
    const archive = path.join(snapshotDir(scenario.config.stateDir, 'linger', canonical.snapshot.id), 'volumes', 'content.tar');
    const log = await execProgram('tar', ['--extract', '--to-stdout', '--file', archive, './fake-app.log']);
    assert.equal(log.exitCode, 0, log.stderr);
    // The cold run's app was torn down (its own domain); the warm app deployed 1.0.0+1 once
    // and stopped: the snapshot must end with its "stopped" line, not race it.
    assert.equal(log.stdout, 'deployed 1.0.0+1\nstopped 1.0.0+1\n');
  });
});
