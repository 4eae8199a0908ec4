// The git commands the fake abra runs against a recipe checkout, as real abra does
// (it checks out the version it deploys, in $ABRA_DIR/recipes/<recipe>).
import { spawnSync } from 'node:child_process';
import { fatal } from './output.mjs';

export function git(cwd, args, { allowFailure = false } = {}) {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (result.error) fatal(`unable to run git: ${result.error.message}`);
  if (result.status !== 0 && !allowFailure) {
    fatal(`git ${args.join(' ')} in ${cwd} failed: ${(result.stderr || result.stdout).trim()}`);
  }
  return { ok: result.status === 0, stdout: result.stdout.trim() };
}

export function isRepo(dir) {
  return git(dir, ['rev-parse', '--git-dir'], { allowFailure: true }).ok;
}

export function tags(dir) {
  const out = git(dir, ['tag', '--list']).stdout;
  return out === '' ? [] : out.split('\n');
}

export function resolveCommit(dir, rev) {
  const result = git(dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { allowFailure: true });
  return result.ok ? result.stdout : null;
}

export function headCommit(dir) {
  return git(dir, ['rev-parse', 'HEAD']).stdout;
}

export function isDirty(dir) {
  return git(dir, ['status', '--porcelain']).stdout !== '';
}

export function checkout(dir, rev) {
  git(dir, ['checkout', '--quiet', '--detach', rev]);
}
