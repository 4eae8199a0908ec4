import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isCommitId,
  isRecipeName,
  isRefName,
  recipeNameProblem,
  refNameProblem,
  refStorageProblem,
  serverNameProblem,
  warmDomain,
} from '../../src/core/names.js';

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

describe('server names (a path component under ABRA_DIR/servers/)', () => {
  for (const good of ['default', 'ci-server', 'ci.example.org', 'CI1', 'a', 'server_2']) {
    test(`${good} is a server name`, () => assert.equal(serverNameProblem(good), null));
  }
  for (const bad of ['', '.', '..', '../etc', 'a/b', '-rf', '$()', '$(touch x)', 'a b', '.hidden', 'a..b', 'x.', 'x'.repeat(255), 'a;b', '`id`']) {
    test(`${JSON.stringify(bad)} is refused`, () => assert.match(serverNameProblem(bad) ?? '', /server name/));
  }
});

describe('warm domains', () => {
  test('warm-<recipe>.<domain>', () => assert.equal(warmDomain('custom-html', 'ci.example.org'), 'warm-custom-html.ci.example.org'));
});

describe('ref names git can store as ref files', () => {
  test('a release tag and a 250-byte component fit; 251 bytes (plus .lock) do not', () => {
    assert.equal(refStorageProblem('1.0.0+1.0'), null);
    assert.equal(refStorageProblem('x'.repeat(250)), null);
    assert.match(refStorageProblem('x'.repeat(251)) ?? '', /251 bytes: git cannot store it/);
    assert.match(refStorageProblem(`1.0.0+${'a'.repeat(294)}`) ?? '', /300 bytes/);
  });
  test('components count separately, in bytes not characters', () => {
    assert.equal(refStorageProblem(`${'a'.repeat(200)}/${'b'.repeat(200)}`), null);
    assert.match(refStorageProblem('é'.repeat(126)) ?? '', /252 bytes/);
  });
});
