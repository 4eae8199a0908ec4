// "Nothing left behind", as one assertion over a scenario's disk and fake swarm: no temp
// file anywhere, no half-built or unnamed snapshot, no promote work directory, no lock,
// no app of a run (stack, volume or .env), the warm app undeployed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCanonical } from '../../src/registry/canonical.js';
import { snapshotsDir, verifySnapshot } from '../../src/registry/snapshot.js';
import type { Scenario } from './scenario.js';

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out.push(full);
    // Recipe checkouts and cache clones are git's: their insides are not ours to judge.
    if (entry.isDirectory() && !entry.name.endsWith('.git') && entry.name !== 'recipes') walk(full, out);
  }
  return out;
}

export function tempFilesUnder(...dirs: string[]): string[] {
  return dirs.flatMap((dir) => walk(dir)).filter((file) => /\.tmp$/.test(file) || /\.lock\.\d+\.[0-9a-f]+$/.test(file));
}

/** The fake swarm's stacks (deployed apps) and volumes, by name. */
export function swarmState(s: Scenario): { stacks: string[]; volumes: string[] } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
  return {
    stacks: list(path.join(s.sandbox.fakeSwarmDir, 'stacks')).map((f) => f.replace(/\.json$/, '')),
    volumes: list(path.join(s.sandbox.fakeSwarmDir, 'volumes')),
  };
}

export async function assertNothingLeftBehind(s: Scenario, recipes: readonly string[]): Promise<void> {
  const { stateDir, runsDir, cacheDir } = s.config;
  assert.deepEqual(tempFilesUnder(stateDir, runsDir, cacheDir, path.join(s.sandbox.abraDir, 'servers')), [], 'temp files left');
  assert.equal(existsSync(path.join(stateDir, 'sweep.lock')), false, 'the sweep lock is released');
  const locks = path.join(runsDir, '.locks');
  assert.deepEqual(existsSync(locks) ? readdirSync(locks) : [], [], 'no domain lock left');
  const runEntries = readdirSync(runsDir).filter((name) => name !== '.locks');
  assert.deepEqual(runEntries.filter((name) => name.endsWith('-promote') || name.startsWith('.gc-')), [], 'no promote or gc work directory');
  for (const recipe of recipes) {
    const canonical = await loadCanonical(stateDir, recipe);
    const snapshots = snapshotsDir(stateDir, recipe);
    if (canonical) {
      assert.deepEqual(readdirSync(snapshots), [canonical.snapshot.id], `${recipe}: only the canonical's snapshot`);
      assert.equal(readlinkSync(path.join(stateDir, recipe, 'snapshot')), path.join('snapshots', canonical.snapshot.id));
      await verifySnapshot(stateDir, recipe, canonical.snapshot.id);
    } else if (existsSync(snapshots)) {
      assert.deepEqual(readdirSync(snapshots), [], `${recipe}: no snapshot without a canonical`);
    }
  }
  const swarm = swarmState(s);
  assert.deepEqual(swarm.stacks, [], 'nothing deployed');
  const warm = (volume: string) => recipes.some((r) => volume.startsWith(`warm-${r}_`));
  assert.deepEqual(swarm.volumes.filter((v) => !warm(v)), [], 'no volume of a run');
  const servers = path.join(s.sandbox.abraDir, 'servers', s.sandbox.server);
  const envs = readdirSync(servers).filter((f) => f.endsWith('.env') && statSync(path.join(servers, f)).isFile());
  assert.deepEqual(envs.filter((f) => !recipes.some((r) => f === `warm-${r}.${s.sandbox.domain}.env`)), [], 'no .env of a run');
}
