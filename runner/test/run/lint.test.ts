// Reading abra recipe lint's table, and the lint rung's "could not lint" (unver) cases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLintTable } from '../../src/run/lint-table.js';
import { cleanOutput, findFatal, shellQuote } from '../../src/effects/abra.js';

const TABLE = [
  '┌──────┬──────────────────────┬──────────┬───────────┬─────────┬─────────┐',
  '│ REF  │ RULE                 │ SEVERITY │ SATISFIED │ SKIPPED │ RESOLVE │',
  '├──────┼──────────────────────┼──────────┼───────────┼─────────┼─────────┤',
  '│ R001 │ compose version      │ warn     │ ✅        │ ❌      │         │',
  '│ R006 │ catalogue version    │ warn     │ ❌        │ ✅      │         │',
  '│ R014 │ annotated tags       │ error    │ ❌        │ ❌      │ fix it  │',
  '└──────┴──────────────────────┴──────────┴───────────┴─────────┴─────────┘',
].join('\r\n');

describe('parseLintTable', () => {
  test('failing = neither satisfied nor skipped', () => {
    const table = parseLintTable(cleanOutput(TABLE));
    assert.ok(table.ok);
    assert.deepEqual(table.failing, ['R014']);
    assert.equal(table.rules.length, 3);
  });

  test('yes/no markers and ASCII pipes are read too', () => {
    const text = ['| REF | SATISFIED | SKIPPED |', '| R002 | no | no |', '| R003 | yes | no |'].join('\n');
    const table = parseLintTable(text);
    assert.ok(table.ok);
    assert.deepEqual(table.failing, ['R002']);
  });

  // abra's own cells (the older system's records of real abra runs): "-" under SKIPPED for a
  // rule that ran, "-" under SATISFIED for a rule that was skipped.
  const ABRA_TABLE = [
    '┌──────┬─────────────────────────────────────┬──────────┬───────────┬─────────┬─────────────────┐',
    '│ REF  │ RULE                                │ SEVERITY │ SATISFIED │ SKIPPED │ RESOLVE         │',
    '├──────┼─────────────────────────────────────┼──────────┼───────────┼─────────┼─────────────────┤',
    '│ R001 │ compose config has expected version │ warn     │ ✅        │ -       │                 │',
    '│ R002 │ healthcheck enabled for all services│ warn     │ ❌        │ -       │ add healthcheck │',
    '│ R013 │ git.coopcloud.tech repo exists      │ error    │ -         │ ✅      │                 │',
    '└──────┴─────────────────────────────────────┴──────────┴───────────┴─────────┴─────────────────┘',
  ].join('\r\n');

  test("abra's '-' cells: not skipped under SKIPPED, not evaluated under SATISFIED of a skipped rule", () => {
    const table = parseLintTable(cleanOutput(ABRA_TABLE));
    assert.ok(table.ok, table.ok ? '' : table.problem);
    assert.deepEqual(table.failing, ['R002']);
    assert.deepEqual(
      table.rules.map((r) => [r.ref, r.satisfied, r.skipped]),
      [
        ['R001', true, false],
        ['R002', false, false],
        ['R013', false, true],
      ],
    );
  });

  test("'-' under SATISFIED of a rule that was not skipped is unreadable, not a pass", () => {
    const text = ['│ REF │ SATISFIED │ SKIPPED │', '│ R004 │ - │ - │'].join('\n');
    const table = parseLintTable(text);
    assert.equal(table.ok, false);
    assert.match(table.ok ? '' : table.problem, /R004/);
  });

  test('no table, a row before the header, an unreadable marker: not ok (the rung says unver)', () => {
    assert.equal(parseLintTable('FATA unable to read recipe').ok, false);
    assert.equal(parseLintTable('│ R001 │ x │ ✅ │').ok, false);
    const odd = parseLintTable(['│ REF │ SATISFIED │ SKIPPED │', '│ R001 │ maybe │ ❌ │'].join('\n'));
    assert.equal(odd.ok, false);
    assert.match(odd.ok ? '' : odd.problem, /R001/);
  });
});

describe('abra output helpers', () => {
  test('fatal lines in each format abra uses', () => {
    assert.equal(findFatal('INFO ok\nFATA boom\n'), 'FATA boom');
    assert.equal(findFatal('time="x" level=fatal msg="boom"'), 'time="x" level=fatal msg="boom"');
    assert.equal(findFatal('FATAL[0000] boom'), 'FATAL[0000] boom');
    assert.equal(findFatal('INFO fatalistic recipe name'), null);
    assert.equal(cleanOutput('\x1b[31mFATA\x1b[0m red\r\n'), 'FATA red\n');
  });

  test('shellQuote survives quotes and metacharacters', () => {
    assert.equal(shellQuote('plain-1.0.0+a'), 'plain-1.0.0+a');
    assert.equal(shellQuote("it's $(rm -rf /)"), `'it'\\''s $(rm -rf /)'`);
  });
});
