// What the dashboard takes from the state: only run.log and results.json of the runs it
// shows, redacted, never through a link, never anything else of a run directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { writeDashboard } from '../../src/dashboard/dashboard.js';
import { MAX_LOG_BYTES } from '../../src/dashboard/read-state.js';
import { appendAttempt } from '../../src/registry/attempts.js';
import { writeCanonical, type CanonicalRecord } from '../../src/registry/canonical.js';
import { writeSnapshotFixture } from '../registry/snapshot-fixture.js';
import { COMMIT, configUnder, OTHER_COMMIT } from './inputs.js';

const MIRROR_TOKEN = 'mirror-token-9f8e7d6c5b4a';
const ENV_SECRET = 'env-file-secret-1a2b3c4d';
const HEADER_SECRET = 'aGVhZGVyLXNlY3JldA==';
const URL_SECRET = 'url-secret-5e6f7a8b';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the dashboard reads the state', () => {
  let root: string;
  let config: Config;
  let out: string;
  const now = new Date('2026-11-30T12:00:00.000Z');

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ccci-dash-state-'));
    const tokenFile = path.join(root, 'token');
    writeFileSync(tokenFile, `${MIRROR_TOKEN}\n`);
    config = configUnder(root, { mirror: { url: 'file:///mirror', api: null, owner: 'o', tokenFile }, recipes: { shown: {}, linked: {}, quiet: {} } });
    out = path.join(root, 'dashboard');

    // shown: a canonical promoted by run-good (its snapshot on disk: the dashboard reads
    // the record as the sweep does), a red newer tag from run-red.
    const shown: CanonicalRecord = {
      schema: 1,
      recipe: 'shown',
      domain: 'warm-shown.ci.example.org',
      version: '1.0.0+1',
      commit: COMMIT,
      status: 'idle',
      promotedAt: '2026-11-20T02:00:00.000Z',
      updatedAt: '2026-11-20T02:00:00.000Z',
      runId: '20261120T020000Z-shown-aaaaaa',
      level: 5,
      snapshot: { id: 'snap', volumes: ['content'], bytes: 10 },
    };
    writeSnapshotFixture(config.stateDir, shown);
    await writeCanonical(config.stateDir, shown);
    const base = { sweepId: 's', recipe: 'shown', level: null, promoted: false, durationMs: 1 };
    await appendAttempt(config.stateDir, { ...base, at: '2026-11-20T02:00:00.000Z', decision: 'run', tag: '1.0.0+1', commit: COMMIT, runId: '20261120T020000Z-shown-aaaaaa', verdict: 'green', level: 5, promoted: true, outcome: 'promoted' });
    await appendAttempt(config.stateDir, { ...base, at: '2026-11-25T02:00:00.000Z', decision: 'run', tag: '1.1.0+1', commit: OTHER_COMMIT, runId: '20261125T020000Z-shown-bbbbbb', verdict: 'red', level: 0, outcome: 'red' });
    // Older, unshown runs of the recipe exist too.
    for (const id of ['20261120T020000Z-shown-aaaaaa', '20261125T020000Z-shown-bbbbbb', '20261101T020000Z-shown-cccccc']) {
      const dir = path.join(config.runsDir, id);
      mkdirSync(path.join(dir, 'abra', 'servers', 's'), { recursive: true });
      writeFileSync(path.join(dir, 'abra', 'servers', 's', 'app.env'), `SECRET_PASSWORD_VERSION=v1\nX=${ENV_SECRET}\n`);
      writeFileSync(
        path.join(dir, 'run.log'),
        [
          `2026-11-25T02:00:00.000Z run ${id}`,
          `$ git -c http.extraHeader="Authorization: Basic ${HEADER_SECRET}" fetch`,
          `push https://ci:${URL_SECRET}@git.example.org/r.git`,
          `the token is ${MIRROR_TOKEN}`,
          '<script>document.title="pwned"</script>',
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dir, 'results.json'),
        JSON.stringify({
          runId: id,
          verdict: id.endsWith('bbbbbb') ? 'red' : 'green',
          verdictReason: `red: GET /?access_token=${URL_SECRET} answered 500`,
          level: 0,
          rungs: [{ rung: 'install', status: 'fail', reason: `GET /?access_token=${URL_SECRET} answered 500` }],
          source: { kind: 'git', url: `https://x:${URL_SECRET}@git.example.org/r.git` },
        }),
      );
    }
    // linked: its run's run.log is a link to the .env of the run (and results.json to a secret file).
    const linkedRun = '20261128T020000Z-linked-dddddd';
    await appendAttempt(config.stateDir, { ...base, recipe: 'linked', at: '2026-11-28T02:00:00.000Z', decision: 'run', tag: '1.0.0+1', commit: COMMIT, runId: linkedRun, verdict: 'red', level: 0, outcome: 'red' });
    const linkedDir = path.join(config.runsDir, linkedRun);
    mkdirSync(path.join(linkedDir, 'abra'), { recursive: true });
    writeFileSync(path.join(linkedDir, 'abra', 'app.env'), `X=${ENV_SECRET}\n`);
    symlinkSync(path.join('abra', 'app.env'), path.join(linkedDir, 'run.log'));
    symlinkSync(tokenFile, path.join(linkedDir, 'results.json'));
    // quiet: a huge log for its one run.
    const quietRun = '20261129T020000Z-quiet-eeeeee';
    await appendAttempt(config.stateDir, { ...base, recipe: 'quiet', at: '2026-11-29T02:00:00.000Z', decision: 'run', tag: '1.0.0+1', commit: COMMIT, runId: quietRun, verdict: 'red', level: 0, outcome: 'red' });
    mkdirSync(path.join(config.runsDir, quietRun), { recursive: true });
    writeFileSync(path.join(config.runsDir, quietRun, 'run.log'), `${'early line\n'.repeat(60_000)}THE END\n`);
    // A sweep report that is not one.
    mkdirSync(path.join(config.stateDir, 'sweeps'), { recursive: true });
    writeFileSync(path.join(config.stateDir, 'sweeps', '2026-11-29T02-00-00-000Z-abcd.json'), '<script>alert(1)</script>');

    await writeDashboard(config, out, { now });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('only the runs shown are copied, and of each only run.log and results.json', () => {
    assert.deepEqual(readdirSync(path.join(out, 'runs')).sort(), [
      '20261120T020000Z-shown-aaaaaa.results.json',
      '20261125T020000Z-shown-bbbbbb.log',
      '20261125T020000Z-shown-bbbbbb.results.json',
      '20261129T020000Z-quiet-eeeeee.log',
    ], "the canonical's green run without its log; no results.json for quiet (it has none); nothing of the linked run or of the unshown one");
    const page = readFileSync(path.join(out, 'recipes', 'shown.html'), 'utf8');
    assert.match(page, /\(log: <code>ccci logs 20261120T020000Z-shown-aaaaaa<\/code>\)/, 'the page says where that log is');
  });

  test('no secret reaches any file of the dashboard: known token, headers, URL credentials, .env contents', () => {
    const files = filesUnder(path.join(out, 'current/'));
    assert.ok(files.length > 5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of [MIRROR_TOKEN, ENV_SECRET, HEADER_SECRET, URL_SECRET]) {
        assert.ok(!text.includes(secret), `${path.relative(out, file)} holds ${secret}`);
      }
      assert.ok(!file.endsWith('.env'));
    }
    const log = readFileSync(path.join(out, 'runs', '20261125T020000Z-shown-bbbbbb.log'), 'utf8');
    assert.match(log, /http\.extraHeader="\[redacted\]" fetch/);
    assert.match(log, /push https:\/\/\[redacted\]@git\.example\.org/);
    assert.match(log, /the token is \[redacted\]/);
    assert.match(log, /<script>document\.title="pwned"<\/script>/, 'a log line is copied as it is otherwise (it is served as text)');
    const results = JSON.parse(readFileSync(path.join(out, 'runs', '20261125T020000Z-shown-bbbbbb.results.json'), 'utf8')) as {
      source: { url: string };
      rungs: { reason: string }[];
    };
    assert.equal(results.source.url, 'https://[redacted]@git.example.org/r.git');
    assert.equal(results.rungs[0]?.reason, 'GET /?access_token=[redacted] answered 500', 'still JSON, strings redacted');
  });

  test('a run file that is a link is not followed, and the page says there is no log', () => {
    assert.throws(() => statSync(path.join(out, 'runs', '20261128T020000Z-linked-dddddd.log')), /ENOENT/);
    assert.throws(() => statSync(path.join(out, 'runs', '20261128T020000Z-linked-dddddd.results.json')), /ENOENT/);
    const page = readFileSync(path.join(out, 'recipes', 'linked.html'), 'utf8');
    assert.match(page, /no log/);
    assert.match(page, /no results/);
  });

  test('a long log keeps its end, and says what was left out', () => {
    const log = readFileSync(path.join(out, 'runs', '20261129T020000Z-quiet-eeeeee.log'), 'utf8');
    assert.ok(Buffer.byteLength(log) <= MAX_LOG_BYTES + 300);
    assert.match(log, /^\[ccci dashboard: the first .* of this log are left out/);
    assert.match(log, /THE END\n$/);
  });

  test('the red run shows its failing rung and reason (redacted) on the page', () => {
    const page = readFileSync(path.join(out, 'recipes', 'shown.html'), 'utf8');
    assert.match(page, /<b>1\.1\.0\+1<\/b>/);
    assert.match(page, /install <span class="meta">\(fail\)<\/span>/);
    assert.match(page, /GET \/\?access_token=\[redacted\] answered 500/);
  });

  test('an unreadable sweep report is named on the index, not fatal, and shown as text', () => {
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.match(index, /unreadable: <span class="reason">[^<]*2026-11-29T02-00-00-000Z-abcd\.json: not valid JSON/);
    assert.doesNotMatch(index, /<script>/);
  });
});
