import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCommitId, isRecipeName, isRefName, recipeNameProblem, refNameProblem } from '../../src/core/names.js';

describe('recipe names', () => {
  for (const good of ['custom-html', 'matrix-synapse', 'n8n', 'a', 'lasuite_docs']) {
    test(`${good} is a recipe name`, () => assert.equal(recipeNameProblem(good), null));
  }
  for (const bad of ['', '../etc', 'a/b', '-rf', '_x', 'Upper', 'a b', 'x'.repeat(65), 'a.b']) {
    test(`${JSON.stringify(bad)} is refused`, () => {
      assert.equal(isRecipeName(bad), false);
      assert.match(recipeNameProblem(bad) ?? '', /recipe name/);
    });
  }
});

describe('ref names (git check-ref-format, and never an option)', () => {
  for (const good of ['1.7.1+1.27.2', '3.0.1+v2.0.0', 'main', 'release/1.0', '5.0.3+27.0.1-fpm']) {
    test(`${good} is a ref name`, () => assert.equal(isRefName(good), true));
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['--upload-pack=x', /starts with '-'/],
    ['-q', /starts with '-'/],
    ['x'.repeat(256), /longer than 255/],
    ['a b', /forbids/],
    ['a~1', /forbids/],
    ['a^', /forbids/],
    ['a:b', /forbids/],
    ['a?', /forbids/],
    ['a*', /forbids/],
    ['a[b', /forbids/],
    ['a\\b', /forbids/],
    ['a\x7f', /forbids/],
    ['a..b', /'\.\.'/],
    ['a@{b', /'@\{'/],
    ['@', /is '@'/],
    ['a.', /ends with/],
    ['a/', /ends with/],
    ['/a', /empty component/],
    ['a//b', /empty component/],
    ['.a', /starting with '\.'/],
    ['a/.b', /starting with '\.'/],
    ['a.lock', /\.lock/],
    ['a/b.lock/c', /\.lock/],
  ];
  for (const [name, why] of bad) {
    test(`${JSON.stringify(name.slice(0, 20))} is refused: ${why.source}`, () => {
      assert.equal(isRefName(name), false);
      assert.match(refNameProblem(name) ?? '', why);
    });
  }
});

test('commit ids are 40 lowercase hex', () => {
  assert.equal(isCommitId('a'.repeat(40)), true);
  assert.equal(isCommitId('A'.repeat(40)), false);
  assert.equal(isCommitId('a'.repeat(39)), false);
  assert.equal(isCommitId('g'.repeat(40)), false);
});
