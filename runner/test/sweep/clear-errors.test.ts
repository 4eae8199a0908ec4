// The rest of what went wrong loudly but unclearly: each is now an error that names what
// and where, with the exit code DESIGN.md gives, and changes nothing it should not.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commitUntagged } from '../../src/demo/fixtures.js';
import { createStackVolume, stackName, volumeMountpoint } from '../../src/effects/docker.js';
import { execChecked } from '../../src/effects/exec.js';
import { loadCanonical } from '../../src/registry/canonical.js';
import { lockDomain } from '../../src/run/domain-lock.js';
import { defaultSweepEffects } from '../../src/sweep/default-effects.js';
import { promote } from '../../src/sweep/promote.js';
import { createScenario, type Scenario } from './scenario.js';

const NO_STACK = /\n\s+at \S+ \(|\n\s+at file:/;

describe('clear errors', () => {
  let s: Scenario;
  before(async () => {
    s = await createScenario();
    await s.addRecipe('busy', { version: '1.0.0+1.0' });
    const first = await s.cli(['sweep']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });
  after(async () => s.close());

  test('a full state directory when the sweep takes its lock: one line naming the lock and ENOSPC, exit 1, no temp file', async () => {
    const result = await s.cli(['sweep'], { env: { CCCI_FAILPOINTS: 'lock:temp-written@sweep.lock=enospc' } });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /^ccci sweep: cannot take the lock \S+\/sweep\.lock: ENOSPC: no space left on device/m);
    assert.doesNotMatch(result.stderr, NO_STACK);
    assert.deepEqual(readdirSync(s.config.stateDir).filter((name) => name.includes('sweep.lock')), []);
  });

  test('a busy app domain in ccci run: a message naming the holder and exit 75 (the lock code), not 1 with a stack trace', async () => {
    const held = await lockDomain(s.config.runsDir, 'warm-busy.ci.example.org', 'a promote in a test');
    try {
      const runsBefore = readdirSync(s.config.runsDir).sort();
      const result = await s.cli(['run', 'busy', '--quick']);
      assert.equal(result.code, 75, result.stdout + result.stderr);
      assert.deepEqual(readdirSync(s.config.runsDir).sort(), runsBefore, 'the refused run left no run directory');
      assert.match(result.stderr, /ccci run: app domain warm-busy\.ci\.example\.org is in use by pid \d+ .*a promote in a test/);
      assert.doesNotMatch(result.stderr, NO_STACK);
    } finally {
      await held.release();
    }
  });

  test('a compose.yml that does not parse: the file, the tag and the problem named, in ccci run (exit 2, no stack, no run directory) and in the sweep', async () => {
    const work = await s.addRecipe('badyaml', { version: '1.0.0+1.0' });
    await commitUntagged(work, { version: '1.1.0+1.0' });
    writeFileSync(path.join(work, 'compose.yml'), 'services:\n  app: [unclosed\n');
    await execChecked('git', ['commit', '--quiet', '--all', '--message=broken'], {
      cwd: work,
      env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    await execChecked('git', ['tag', '1.1.0+1.0'], { cwd: work });
    await s.publish('badyaml');

    const runsBefore = readdirSync(s.config.runsDir).sort();
    const run = await s.cli(['run', 'badyaml', '--tag', '1.1.0+1.0']);
    // The recipe's own file is bad: bad input (exit 2), like a bad ref, not a failed run.
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /^ccci run: badyaml at refs\/tags\/1\.1\.0\+1\.0 \(commit [0-9a-f]{40}\): compose\.yml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \] at line 3, column 1$/m,
    );
    assert.doesNotMatch(run.stderr, NO_STACK);
    assert.deepEqual(readdirSync(s.config.runsDir).sort(), runsBefore, 'the refused run left no run directory');

    const outcome = await s.sweep({ recipes: ['badyaml'] });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const r = outcome.report.recipes[0];
    assert.equal(r?.outcome, 'error');
    assert.match(r?.error ?? '', /badyaml at 1\.1\.0\+1\.0 \(commit [0-9a-f]{40}\): compose\.yml: not valid YAML: .* at line 3, column 1/);
  });

  test("the promote's disk guard counts what tar writes: 2,500 one-byte files need 2.5 MB, not 2,500 bytes", async () => {
    await s.addRecipe('many', { version: '1.0.0+1.0' });
    // The warm volume already holds the files (as an app's data would).
    const stack = stackName('warm-many.ci.example.org');
    await createStackVolume(stack, `${stack}_content`);
    const mountpoint = await volumeMountpoint(`${stack}_content`);
    mkdirSync(path.join(mountpoint, 'files'), { recursive: true });
    for (let i = 0; i < 2500; i += 1) writeFileSync(path.join(mountpoint, 'files', `f${i}`), 'x');
    // A disk with 200 KB over the floor: enough for the files' contents, not for their archive.
    const total = 1_000_000_000;
    const floor = total * 0.1;
    const diskSpace = async () => ({ totalBytes: total, freeBytes: floor + 200_000, freePercent: 10.02 });
    s.config.minFreeDiskPercent = 10;
    const outcome = await s.sweep({
      recipes: ['many'],
      effects: { ...defaultSweepEffects(), promote: (request) => promote(request, undefined, { diskSpace }) },
    });
    s.config.minFreeDiskPercent = 0;
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const r = outcome.report.recipes[0];
    assert.equal(r?.outcome, 'promote-failed', JSON.stringify(r));
    const needed = Number(/needs about (\d+) bytes/.exec(r?.error ?? '')?.[1]);
    assert.match(r?.error ?? '', /disk-guard: refusing to promote: .* the snapshot of 1 volume\(s\) needs about \d+ bytes/);
    assert.ok(needed > 2_500_000, `the guard counted ${needed} bytes`);
    assert.equal(await loadCanonical(s.config.stateDir, 'many'), null);
    assert.ok(!existsSync(path.join(s.config.stateDir, 'many', 'snapshots')) || readdirSync(path.join(s.config.stateDir, 'many', 'snapshots')).length === 0);
  });
});
