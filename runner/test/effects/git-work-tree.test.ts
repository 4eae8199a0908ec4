// The working-tree half of effects/git.ts (a run's checkouts, the fixtures), the failure
// wording shared with execChecked, and the rule that no other runner module starts git.
//
// This file runs as if on a machine with no git configuration of its own: HOME and
// XDG_CONFIG_HOME point at an empty temp directory whose .gitconfig would sign every
// commit with a program that fails and refuses to guess an identity. Fixtures must
// still commit and tag, with their own explicit identity.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFailure, execChecked, ProgramError, type ExecResult } from '../../src/effects/exec.js';
import {
  checkoutDetached,
  cloneRepo,
  commitAll,
  fetchRefFromOrigin,
  GitError,
  gitVersion,
  headCommit,
  initRepo,
  isDirty,
  listTags,
  pushAll,
  resolveRef,
  tagCommit,
  tagHead,
  tagNames,
  workTreeFiles,
} from '../../src/effects/git.js';

let root = '';

/** Raw git for looking at what the functions under test made (never to make it). */
async function inspect(repo: string, ...args: string[]): Promise<string> {
  return (await execChecked('git', args, { cwd: repo })).stdout.trim();
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ccci-git-work-tree-'));
  const home = path.join(root, 'home');
  await mkdir(home);
  await writeFile(
    path.join(home, '.gitconfig'),
    '[user]\n\tuseConfigOnly = true\n[commit]\n\tgpgSign = true\n[tag]\n\tgpgSign = true\n[gpg]\n\tprogram = false\n',
  );
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = home;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  for (const name of ['GIT_CONFIG_GLOBAL', 'EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) {
    delete process.env[name];
  }
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A working repository `name` under root with compose.yml at `version`, committed and tagged. */
async function makeRepo(name: string, version = '1.0.0+1'): Promise<{ dir: string; commit: string }> {
  const dir = path.join(root, name);
  await initRepo(dir);
  await writeFile(path.join(dir, 'compose.yml'), `version: ${version}\n`);
  const commit = await commitAll(dir, `release ${version}`);
  await tagHead(dir, version);
  return { dir, commit };
}

describe('fixtures on a machine with no usable git configuration', () => {
  test('commit and tag with the explicit identity, unsigned', async () => {
    const { dir, commit } = await makeRepo('identity');
    assert.match(commit, /^[0-9a-f]{40}$/);
    assert.equal(await headCommit(dir), commit);
    assert.equal(await inspect(dir, 'log', '-1', '--format=%an <%ae> / %cn <%ce>'), 'ccci <ccci@localhost> / ccci <ccci@localhost>');
    assert.equal(await inspect(dir, 'for-each-ref', '--format=%(objecttype) %(taggername)', 'refs/tags/1.0.0+1'), 'tag ccci');
    assert.equal(await inspect(dir, 'symbolic-ref', 'HEAD'), 'refs/heads/main');
  });

  test('a commit with nothing changed is still a new commit', async () => {
    const { dir, commit } = await makeRepo('empty-commit');
    const next = await commitAll(dir, 'nothing changed');
    assert.notEqual(next, commit);
  });

  test('pushAll publishes main and every tag to a bare clone', async () => {
    const { dir, commit } = await makeRepo('publish');
    const bare = path.join(root, 'publish.git');
    await cloneRepo(dir, bare, { bare: true });
    await writeFile(path.join(dir, 'compose.yml'), 'version: 1.1.0+1\n');
    const second = await commitAll(dir, 'release 1.1.0+1');
    await tagHead(dir, '1.1.0+1');
    await pushAll(dir, bare);
    assert.deepEqual(await listTags(bare), [
      { tag: '1.0.0+1', commit },
      { tag: '1.1.0+1', commit: second },
    ]);
    assert.equal(await inspect(bare, 'rev-parse', 'refs/heads/main'), second);
  });
});

describe('refs of a working repository', () => {
  test('tagNames lists the tags by name; a name refNameProblem refuses is left out', async () => {
    const { dir, commit } = await makeRepo('tags');
    await tagHead(dir, '0.9.0+1');
    // git's own tag command refuses this name, but a ref can still carry it.
    await inspect(dir, 'update-ref', 'refs/tags/-evil', commit);
    assert.deepEqual(await tagNames(dir), ['0.9.0+1', '1.0.0+1']);
  });

  test('tagCommit peels annotated tags; no tag, or a name no tag may have, is null', async () => {
    const { dir, commit } = await makeRepo('tag-commit');
    assert.equal(await tagCommit(dir, '1.0.0+1'), commit);
    assert.equal(await tagCommit(dir, '2.0.0+1'), null);
    assert.equal(await tagCommit(dir, '1.0 beta'), null);
    assert.equal(await tagCommit(dir, '--output=/tmp/x'), null);
  });

  test('resolveRef takes a tag, a branch, a commit id; unknown is null; a hostile name throws', async () => {
    const { dir, commit } = await makeRepo('resolve');
    assert.equal(await resolveRef(dir, '1.0.0+1'), commit);
    assert.equal(await resolveRef(dir, 'refs/tags/1.0.0+1'), commit);
    assert.equal(await resolveRef(dir, 'main'), commit);
    assert.equal(await resolveRef(dir, commit), commit);
    assert.equal(await resolveRef(dir, 'HEAD'), commit);
    assert.equal(await resolveRef(dir, 'no-such-branch'), null);
    await assert.rejects(resolveRef(dir, '--upload-pack=touch /tmp/x'), /resolveRef: .*starts with '-'/);
    await assert.rejects(resolveRef(dir, 'main..HEAD'), /resolveRef: .*'\.\.'/);
  });

  test('fetchRefFromOrigin fetches a ref the clone does not carry; an unknown ref is null', async () => {
    const { dir } = await makeRepo('fetch-upstream');
    await writeFile(path.join(dir, 'compose.yml'), 'version: 2.0.0-pr\n');
    const prHead = await commitAll(dir, 'a pull request');
    await inspect(dir, 'update-ref', 'refs/pull/7/head', prHead);
    await inspect(dir, 'reset', '--quiet', '--hard', 'HEAD~1');
    const clone = path.join(root, 'fetch-clone');
    await cloneRepo(dir, clone);
    assert.equal(await resolveRef(clone, 'refs/pull/7/head'), null);
    assert.equal(await fetchRefFromOrigin(clone, 'refs/pull/7/head'), prHead);
    assert.equal(await fetchRefFromOrigin(clone, 'refs/pull/8/head'), null);
    await assert.rejects(fetchRefFromOrigin(clone, '-q'), /fetchRefFromOrigin: .*starts with '-'/);
  });

  test('tagHead refuses a name refNameProblem refuses, before git sees it', async () => {
    const { dir } = await makeRepo('tag-head');
    await assert.rejects(tagHead(dir, '-d'), /tagHead: .*starts with '-'/);
    await assert.rejects(tagHead(dir, 'a b'), /tagHead: .*character git forbids/);
    assert.deepEqual(await tagNames(dir), ['1.0.0+1']);
  });
});

describe('working trees', () => {
  test('checkoutDetached puts back the commit and drops changes and untracked files', async () => {
    const { dir, commit } = await makeRepo('checkout-upstream');
    await writeFile(path.join(dir, 'compose.yml'), 'version: 1.1.0+1\n');
    await commitAll(dir, 'later');
    const clone = path.join(root, 'checkout-clone');
    await cloneRepo(dir, clone);
    await writeFile(path.join(clone, 'compose.yml'), 'edited by abra\n');
    await mkdir(path.join(clone, 'stray'));
    await writeFile(path.join(clone, 'stray', 'file'), 'x');
    assert.equal(await isDirty(clone), true);
    await checkoutDetached(clone, commit);
    assert.equal(await headCommit(clone), commit);
    assert.equal(await isDirty(clone), false);
    assert.equal(await readFile(path.join(clone, 'compose.yml'), 'utf8'), 'version: 1.0.0+1\n');
    assert.deepEqual((await readdir(clone)).sort(), ['.git', 'compose.yml']);
  });

  test('checkoutDetached takes only an object id', async () => {
    const { dir } = await makeRepo('checkout-id');
    await assert.rejects(checkoutDetached(dir, 'main'), /not an object id/);
    await assert.rejects(checkoutDetached(dir, '--orphan=x'), /not an object id/);
  });

  test('workTreeFiles: tracked and untracked (not ignored) files, and deleted ones', async () => {
    const { dir } = await makeRepo('files');
    await writeFile(path.join(dir, '.gitignore'), 'ignored\n');
    await writeFile(path.join(dir, 'README.md'), 'readme\n');
    await commitAll(dir, 'more files');
    await rm(path.join(dir, 'README.md'));
    await writeFile(path.join(dir, 'new file'), 'new\n');
    await writeFile(path.join(dir, 'ignored'), 'ignored\n');
    const files = await workTreeFiles(dir);
    assert.deepEqual(files.present.sort(), ['.gitignore', 'compose.yml', 'new file']);
    assert.deepEqual(files.deleted, ['README.md']);
  });

  test('a directory inside a repository is not that repository', async () => {
    const { dir } = await makeRepo('outer');
    const inner = path.join(dir, 'inner');
    await mkdir(inner);
    await assert.rejects(headCommit(inner), (error: unknown) => {
      assert.ok(error instanceof GitError);
      assert.equal(error.subcommand, 'rev-parse');
      assert.match(error.message, /^git rev-parse exited 128: .*not a git repository/s);
      return true;
    });
    await assert.rejects(isDirty(inner), GitError);
  });

  test('a failed clone is a GitError naming clone, in describeFailure words', async () => {
    await assert.rejects(cloneRepo(path.join(root, 'missing'), path.join(root, 'never')), (error: unknown) => {
      assert.ok(error instanceof GitError);
      assert.equal(error.subcommand, 'clone');
      assert.equal(error.message, describeFailure(error.result, 'git clone'));
      assert.match(error.message, /^git clone exited 128: /);
      return true;
    });
  });

  test('an aborted clone stops and is a GitError', async () => {
    const { dir } = await makeRepo('abort');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(cloneRepo(dir, path.join(root, 'abort-clone'), { signal: controller.signal }), GitError);
  });
});

describe('describeFailure', () => {
  const result = (over: Partial<ExecResult>): ExecResult => ({
    argv: ['prog', 'sub', '--flag'],
    exitCode: 1,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    ...over,
  });

  test('names the program and its first argument, the exit, and the last five lines of stderr', () => {
    const stderr = ['1', '2', '3', '4', '5', '6', '7'].join('\n');
    assert.equal(describeFailure(result({ exitCode: 2, stderr })), 'prog sub exited 2: 3\n4\n5\n6\n7');
  });

  test('stdout when stderr is empty; no detail when both are', () => {
    assert.equal(describeFailure(result({ stdout: 'out\n' })), 'prog sub exited 1: out');
    assert.equal(describeFailure(result({})), 'prog sub exited 1');
  });

  test('a timeout or a signal is said as such; the caller may name the command', () => {
    assert.equal(describeFailure(result({ exitCode: null, timedOut: true, signal: 'SIGTERM' })), 'prog sub timed out');
    assert.equal(describeFailure(result({ exitCode: null, signal: 'SIGKILL' }), 'git fetch'), 'git fetch was killed by SIGKILL');
    assert.equal(describeFailure(result({ argv: ['prog'] })), 'prog exited 1');
  });

  test('execChecked throws a ProgramError worded by describeFailure', async () => {
    const script = 'console.error("first"); console.error("boom"); process.exit(3)';
    await assert.rejects(execChecked(process.execPath, ['-e', script]), (error: unknown) => {
      assert.ok(error instanceof ProgramError);
      assert.equal(error.message, `${process.execPath} -e exited 3: first\nboom`);
      return true;
    });
  });
});

test('effects/git.ts is the only runner module that starts git (and it finds one that runs)', async () => {
  const src = fileURLToPath(new URL('../../../src/', import.meta.url));
  const starts = /\b(execProgram|execChecked|spawn|spawnSync|execFile|execFileSync|startBackground)\(\s*['"`]git['"`]/;
  const offenders: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.name.endsWith('.ts') && starts.test(await readFile(full, 'utf8'))) offenders.push(path.relative(src, full));
    }
  };
  await visit(src);
  assert.deepEqual(offenders, ['effects/git.ts']);
  assert.match((await gitVersion()) ?? 'git does not run', /^\d+\.\d+/);
});
