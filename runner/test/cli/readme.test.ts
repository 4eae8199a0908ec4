// The README's list of commands is the one `ccci --help` prints: a newcomer reads the
// README first, and an option only one of them names is an option one of them hides.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { commandHelp } from '../../src/cli/commands/index.js';

const README = new URL('../../../../README.md', import.meta.url);

/** The `ccci …` lines of the README's block under "## The command line". */
function readmeCommands(): string[] {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## The command line'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.startsWith('ccci '))
    .map((line) => line.slice('ccci '.length).trim());
}

describe('README command list', () => {
  test('names every command with the usage its --help gives, and no other', () => {
    const listed = readmeCommands();
    assert.ok(listed.length > 0, 'no command list found in the README');
    assert.deepEqual([...listed].sort(), commandHelp.map((c) => c.usage).sort());
  });
});
