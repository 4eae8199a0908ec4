// The secrets abra generates for the apps of a sweep (the cold run's, and the warm app the
// promote creates) never reach the sweep's output, its report, a run's files or the state
// directory. The fake swarm keeps each value, so the test knows what to look for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { textOfFiles } from '../run/helpers.js';
import { createScenario, type Scenario } from './scenario.js';

let scenario: Scenario;
before(async () => {
  scenario = await createScenario();
});
after(async () => scenario.close());

describe('secrets in a sweep', () => {
  test('the warm app secret the promote generated is in no output, report, run file or state file', async () => {
    await scenario.addRecipe('secretive', { version: '1.0.0+1' });
    const swept = await scenario.cli(['sweep', '--json']);
    assert.equal(swept.code, 0, swept.stderr);
    const report = JSON.parse(swept.stdout) as { recipes: { outcome: string }[] };
    assert.equal(report.recipes[0]?.outcome, 'promoted');
    const secrets = path.join(scenario.sandbox.fakeSwarmDir, 'secrets');
    const values: string[] = [];
    for (const name of await readdir(secrets)) values.push((JSON.parse(await readFile(path.join(secrets, name), 'utf8')) as { value: string }).value);
    assert.equal(values.length, 1, 'the warm app has its secret (the cold run removed its own)');
    const everything = [swept.stdout, swept.stderr, await textOfFiles(scenario.config.stateDir), await textOfFiles(scenario.config.runsDir)].join('\n');
    for (const value of values) assert.ok(!everything.includes(value), 'a generated secret value leaked');
    assert.match(everything, /output withheld: it holds generated secret values/);
  });
});
