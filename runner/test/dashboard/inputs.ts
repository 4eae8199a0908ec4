// Dashboard inputs made by hand for the pure tests.
import { digestOf } from '../../src/dashboard/history-digest.js';
import type { CanonicalInput, DashboardInput, RecipeInput, RunInput } from '../../src/dashboard/input.js';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import type { Attempt } from '../../src/registry/attempts.js';

export const NOW = '2026-11-30T12:00:00.000Z';
export const COMMIT = 'a'.repeat(40);
export const OTHER_COMMIT = 'b'.repeat(40);

let sweep = 0;
export function attempt(recipe: string, at: string, fields: Partial<Attempt> = {}): Attempt {
  sweep += 1;
  return {
    at,
    sweepId: `sweep-${sweep}`,
    recipe,
    decision: 'skip:no-new-version',
    tag: '1.0.0+1.0',
    commit: COMMIT,
    runId: null,
    verdict: null,
    level: null,
    promoted: false,
    outcome: 'skipped',
    durationMs: 1000,
    ...fields,
  };
}

export function promotedAttempt(recipe: string, at: string, tag: string, runId: string, commit = COMMIT): Attempt {
  return attempt(recipe, at, { decision: 'run', tag, commit, runId, verdict: 'green', level: 5, promoted: true, outcome: 'promoted' });
}

export function redAttempt(recipe: string, at: string, tag: string, runId: string, commit = OTHER_COMMIT): Attempt {
  return attempt(recipe, at, { decision: 'run', tag, commit, runId, verdict: 'red', level: 0, outcome: 'red' });
}

export function canonicalRecord(version: string, runId: string, fields: Partial<CanonicalInput> = {}): CanonicalInput {
  return {
    version,
    commit: COMMIT,
    level: 5,
    status: 'idle',
    promotedAt: '2026-11-01T02:10:00.000Z',
    updatedAt: '2026-11-01T02:10:00.000Z',
    runId,
    domain: 'warm-x.ci.example.org',
    snapshot: { id: `${runId}-snap`, volumes: ['content'], bytes: 4096 },
    ...fields,
  };
}

export function run(runId: string, fields: Partial<RunInput> = {}): RunInput {
  return {
    runId,
    hasLog: true,
    hasResults: true,
    verdict: 'green',
    verdictReason: 'green at level 5',
    level: 5,
    version: '1.0.0+1.0',
    commit: COMMIT,
    mode: 'cold',
    startedAt: '2026-11-01T02:00:00.000Z',
    durationMs: 60_000,
    interrupted: null,
    rungs: [
      { rung: 'install', status: 'pass', reason: 'ok' },
      { rung: 'upgrade', status: 'pass', reason: 'ok' },
      { rung: 'backup', status: 'pass', reason: 'ok' },
      { rung: 'functional', status: 'pass', reason: 'ok' },
      { rung: 'lint', status: 'pass', reason: 'ok' },
    ],
    ...fields,
  };
}

/** A recipe whose history is `attempts` (all of them also the nights' attempts, unless given apart). */
export function recipe(name: string, { attempts = [], ...fields }: Partial<RecipeInput> & { attempts?: Attempt[] } = {}): RecipeInput {
  return {
    recipe: name,
    canonical: { state: 'absent' },
    history: digestOf(attempts),
    nightAttempts: attempts,
    badAttemptLines: 0,
    lastReport: null,
    publishedTags: null,
    runs: {},
    ...fields,
  };
}

export function dashboardInput(recipes: RecipeInput[], fields: Partial<DashboardInput> = {}): DashboardInput {
  return { generatedAt: NOW, nights: 90, recipes, sweeps: [], problems: [], ...fields };
}

/** Night `n` days before NOW at 02:00 UTC. */
export function night(daysAgo: number, time = '02:00:00.000'): string {
  const day = new Date(Date.parse(NOW) - daysAgo * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${time}Z`;
}

/** Strings that would be markup if a page did not escape them. */
export const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(1)>",
  '</style><script>alert(1)</script>',
  '</title></head><body onload=alert(1)>',
  '<!-- --><![CDATA[ ]]>',
  '&lt;already escaped&gt; &amp; &#60;',
  'javascript:alert(1)',
  'tab\there\u0000nul\u0007bell\u001b[31mansi\u007fdel\u0085nel',
  'lone \uD800 surrogate and \uFFFE non-character',
];

/** A configuration whose every directory is under `root`, enrolling `recipes`. */
export function configUnder(root: string, fields: Partial<Config> = {}): Config {
  return {
    repo: root,
    stateDir: path.join(root, 'state'),
    runsDir: path.join(root, 'runs'),
    cacheDir: path.join(root, 'cache'),
    abraDir: path.join(root, 'abra'),
    server: 's',
    domain: 'ci.example.org',
    ingress: null,
    upstream: 'file:///nowhere',
    mirror: null,
    recipes: {},
    maxConcurrentRuns: 1,
    minFreeDiskPercent: 0,
    metricsFile: null,
    dashboardDir: null,
    source: 'test',
    ...fields,
  };
}
