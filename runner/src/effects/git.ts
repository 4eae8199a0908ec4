// Every git command line of the runner, and the only module that starts git: mirror
// sync and the read-only queries the sweep runs on the cache clone (bare repositories),
// and the working trees of a run (staging the tested ref, the lint's clone, promote's
// checkout) and of the fixtures (the demo, the tests, the benchmark).
//
// Rules every function here keeps:
// - a bare repository is named with `--git-dir=<dir>` (no discovery from the cwd); a
//   working tree is the cwd, with discovery fenced at its parent (GIT_CEILING_DIRECTORIES),
//   so a directory that is not a repository is an error, never its parent's repository,
//   and git still applies its ownership check (safe.directory) to checkouts it did not make;
// - options come first, then `--` (or `--end-of-options` where git wants that)
//   before any URL, remote, refspec or revision, and every ref name that came from
//   outside passes refNameProblem here before it reaches git;
// - every call runs with gitBaseEnv (or gitAuthEnv); credentials arrive in `env`, never
//   in an argument; commits and tags are made with an explicit identity (COMMIT_ENV);
// - network commands carry a timeout and can never prompt;
// - a failure is a GitError naming the subcommand, worded by describeFailure.
import os from 'node:os';
import path from 'node:path';
import { isCommitId, refNameProblem } from '../core/names.js';
import { execEach } from './exec-batch.js';
import { describeFailure, execProgram, type ExecResult } from './exec.js';

export type GitEnv = Record<string, string | undefined>;

/** Long enough for the first clone of a big recipe over a slow link. */
export const GIT_NETWORK_TIMEOUT_MS = 10 * 60_000;
const GIT_LOCAL_TIMEOUT_MS = 2 * 60_000;

/** A git command that did not succeed. The message holds git's own words (callers scrub secrets). */
export class GitError extends Error {
  constructor(
    readonly subcommand: string,
    readonly result: ExecResult,
    message: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * The environment every git call here runs with: no prompt, no inherited repository,
 * no tracing that could print headers, only the transports the configuration allows,
 * and a stalled transfer aborted instead of hanging.
 */
export function gitBaseEnv(): GitEnv {
  return {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: undefined,
    SSH_ASKPASS: undefined,
    // An operator's own ssh command (identity file, …) wins; otherwise ssh must not ask.
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_OBJECT_DIRECTORY: undefined,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined,
    GIT_NAMESPACE: undefined,
    GIT_TRACE: undefined,
    GIT_TRACE_CURL: undefined,
    GIT_TRACE_CURL_NO_DATA: undefined,
    GIT_TRACE_PACKET: undefined,
    GIT_TRACE_SETUP: undefined,
    GIT_CURL_VERBOSE: undefined,
    GIT_REDACT_COOKIES: undefined,
    GIT_TRACE_REDACT: '1',
    GIT_CONFIG_PARAMETERS: undefined,
    GIT_CONFIG_COUNT: '0',
    GIT_ALLOW_PROTOCOL: 'https:http:ssh:file',
    GIT_HTTP_LOW_SPEED_LIMIT: '1000',
    GIT_HTTP_LOW_SPEED_TIME: '60',
    LC_ALL: 'C',
  };
}

/**
 * gitBaseEnv plus an `Authorization: token <t>` header for HTTP requests to URLs under
 * `scopeUrl`, given to git as environment-provided configuration
 * (GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n), so the token is in no
 * argv, no URL and no file. Scoped with `http.<url>.extraHeader` so that a redirect or
 * a mistaken call can never hand it to another host (e.g. upstream).
 */
export function gitAuthEnv(scopeUrl: string, token: string): GitEnv {
  if (/[\x00-\x20\x7f]/.test(token)) {
    // A newline would end the header and let the rest be read as another one.
    throw new Error('the token contains whitespace or control characters');
  }
  return {
    ...gitBaseEnv(),
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${scopeUrl.replace(/\/+$/, '')}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: token ${token}`,
  };
}

/**
 * The identity of the commits and tags the fixtures make, and isolation from the user's
 * and the system's git configuration: building a fixture works the same on a machine
 * with no git configuration at all (no user.name to fall back on) and on one whose
 * configuration would sign, run hooks or install templates.
 */
const COMMIT_ENV: GitEnv = {
  GIT_AUTHOR_NAME: 'ccci',
  GIT_AUTHOR_EMAIL: 'ccci@localhost',
  GIT_COMMITTER_NAME: 'ccci',
  GIT_COMMITTER_EMAIL: 'ccci@localhost',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

function commitEnv(): GitEnv {
  return { ...gitBaseEnv(), ...COMMIT_ENV };
}

/** Where a git command runs. */
type GitPlace =
  /** A bare repository, named with --git-dir. */
  | { gitDir: string; workTree?: undefined; cwd?: undefined }
  /**
   * No repository (ls-remote of a URL, init, clone). The cwd is a neutral directory, so
   * nothing around the caller is picked up, unless the command resolves paths the caller
   * gave relative to its own cwd (clone).
   */
  | { gitDir: null; workTree?: undefined; cwd?: string }
  /** A working tree (or a repository found from its top directory, never above it). */
  | { workTree: string; gitDir?: undefined; cwd?: undefined };

type GitCall = GitPlace & {
  args: readonly string[];
  env?: GitEnv;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
};

async function git(call: GitCall): Promise<ExecResult> {
  const env = call.env ?? gitBaseEnv();
  let args: readonly string[] = call.args;
  let cwd: string;
  let fence: GitEnv = {};
  if (call.workTree !== undefined) {
    cwd = path.resolve(call.workTree);
    fence = { GIT_CEILING_DIRECTORIES: path.dirname(cwd) };
  } else if (call.gitDir !== null) {
    args = [`--git-dir=${call.gitDir}`, ...call.args];
    cwd = call.gitDir;
  } else {
    cwd = call.cwd ?? os.tmpdir();
  }
  return execProgram('git', args, {
    cwd,
    env: { ...env, ...fence },
    timeoutMs: call.timeoutMs ?? GIT_LOCAL_TIMEOUT_MS,
    ...(call.input !== undefined ? { input: call.input } : {}),
    ...(call.signal ? { signal: call.signal } : {}),
  });
}

function failure(subcommand: string, result: ExecResult): GitError {
  return new GitError(subcommand, result, describeFailure(result, `git ${subcommand}`));
}

async function gitChecked(subcommand: string, call: GitCall): Promise<ExecResult> {
  const result = await git(call);
  if (result.exitCode !== 0) throw failure(subcommand, result);
  return result;
}

/** A ref name from outside (a tag, a branch, a ref, a commit id): throws unless it passes refNameProblem. */
function assertRefName(ref: string, what: string): void {
  const problem = refNameProblem(ref);
  if (problem) throw new Error(`${what}: ${problem}`);
}

/** A full ref (refs/…) that passes refNameProblem, with no component that looks like an option. */
function assertFullRef(ref: string): void {
  const problem = refNameProblem(ref);
  if (problem) throw new Error(problem);
  if (!ref.startsWith('refs/')) throw new Error(`not a full ref name: ${JSON.stringify(ref)}`);
  const optionLike = ref.split('/').find((component) => component.startsWith('-'));
  if (optionLike !== undefined) throw new Error(`ref name ${JSON.stringify(ref)} has a component starting with '-'`);
}

function assertObjectId(oid: string): void {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oid)) throw new Error(`not an object id: ${JSON.stringify(oid)}`);
}

function assertRemoteUrl(url: string): void {
  if (!/^(https?|file|ssh):\/\/\S+$/.test(url)) throw new Error(`not a repository URL: ${JSON.stringify(url)}`);
}

// ---------------------------------------------------------------- cache clone

export async function initBareRepository(gitDir: string): Promise<void> {
  await gitChecked('init', { gitDir: null, args: ['init', '--quiet', '--bare', '--initial-branch=main', '--', gitDir] });
}

/** `key NUL`-separated output of `git config --null` (key, newline, value per entry) as key -> values in order. */
function parseConfigList(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const entry of text.split('\0')) {
    if (entry === '') continue;
    const newline = entry.indexOf('\n');
    const key = newline < 0 ? entry : entry.slice(0, newline);
    const value = newline < 0 ? '' : entry.slice(newline + 1);
    keys.set(key, [...(keys.get(key) ?? []), value]);
  }
  return keys;
}

/** A clone's own configuration (its config file only), key -> values in order. */
export type LocalConfig = ReadonlyMap<string, readonly string[]>;

/**
 * The repository's own config file, all of it, in one `git config --local --list`:
 * callers answer "is it bare?" and "are the remotes right?" from it without a process
 * per question. Keys come as git prints them (section and name lowercased). Throws a
 * GitError when `gitDir` is not a repository git can read.
 */
export async function localConfig(gitDir: string): Promise<LocalConfig> {
  const result = await gitChecked('config', { gitDir, args: ['config', '--local', '--null', '--list'] });
  return parseConfigList(result.stdout);
}

/** Whether a config holds core.bare = true (any spelling git reads as true). */
export function isBareConfig(config: LocalConfig): boolean {
  const value = config.get('core.bare')?.at(-1);
  return value !== undefined && /^(true|yes|on|1)$/i.test(value.trim());
}

/** Every `remote.<name>.*` key of the config with its values. */
function remoteKeys(config: LocalConfig, name: 'upstream' | 'origin'): Map<string, readonly string[]> {
  const prefix = `remote.${name}.`;
  return new Map([...config].filter(([key]) => key.startsWith(prefix)));
}

/** Every `remote.<name>.*` key of the clone with its values (in order). */
async function remoteConfig(gitDir: string, name: 'upstream' | 'origin'): Promise<Map<string, readonly string[]>> {
  const result = await git({ gitDir, args: ['config', '--null', '--get-regexp', '--', `^remote\\.${name}\\.`] });
  if (result.exitCode !== 0) return new Map(); // exit 1: no such key
  return parseConfigList(result.stdout);
}

/**
 * Sets remote `name` to exactly `url`: any previous definition (pushurl, mirror,
 * refspecs, …) is dropped. A remote that already is exactly that is left as it is.
 * `known`: the clone's config as just read by localConfig, which saves reading it again.
 */
export async function setRemote(gitDir: string, name: 'upstream' | 'origin', url: string, known?: LocalConfig): Promise<void> {
  assertRemoteUrl(url);
  const current = known ? remoteKeys(known, name) : await remoteConfig(gitDir, name);
  const expected = new Map([
    [`remote.${name}.url`, [url]],
    [`remote.${name}.fetch`, [`+refs/heads/*:refs/remotes/${name}/*`]],
    [`remote.${name}.tagopt`, ['--no-tags']],
  ]);
  if (JSON.stringify([...current].sort()) === JSON.stringify([...expected].sort())) return;
  if (current.size > 0) await removeRemote(gitDir, name);
  await gitChecked('remote', { gitDir, args: ['remote', 'add', '--no-tags', '--', name, url] });
}

/**
 * Removes remote `name` if the clone has one (a cache without a mirror keeps no stale origin).
 * `known`: the clone's config as just read; with no key of that remote in it, nothing runs.
 */
export async function removeRemote(gitDir: string, name: 'upstream' | 'origin', known?: LocalConfig): Promise<void> {
  if (known && remoteKeys(known, name).size === 0) return;
  const listed = await gitChecked('remote', { gitDir, args: ['remote'] });
  if (listed.stdout.split('\n').includes(name)) {
    await gitChecked('remote', { gitDir, args: ['remote', 'remove', '--', name] });
  }
  await git({ gitDir, args: ['config', '--remove-section', '--', `remote.${name}`] });
}

export async function remoteUrl(gitDir: string, name: 'upstream' | 'origin'): Promise<string | null> {
  const result = await git({ gitDir, args: ['config', '--get-all', '--', `remote.${name}.url`] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

// ---------------------------------------------------------------- network

/**
 * Fetches `refspecs` from `remote` (a remote name of the cache clone). With `prune`,
 * local refs under a refspec's destination that the remote no longer has are removed,
 * which is how a tag deleted upstream becomes visible. The refspecs go to git on stdin
 * (`--stdin`), so any number of tags fetched by name fits.
 */
export async function fetchRefs(
  gitDir: string,
  remote: 'upstream' | 'origin',
  refspecs: readonly string[],
  options: { prune: boolean; env?: GitEnv },
): Promise<void> {
  for (const spec of refspecs) {
    if (!spec.replace(/^\+/, '').startsWith('refs/')) throw new Error(`refspec must name full refs: ${JSON.stringify(spec)}`);
  }
  await gitChecked('fetch', {
    gitDir,
    args: [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      ...(options.prune ? ['--prune'] : []),
      '--stdin',
      '--',
      remote,
    ],
    input: refspecs.map((spec) => `${spec}\n`).join(''),
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
}

export interface RemoteRef {
  /** The full ref name as the remote spelled it: NOT validated, callers must check it. */
  ref: string;
  /** The object the ref points at (a tag object for an annotated tag). */
  oid: string;
}

const LS_REMOTE_REFS = ['ls-remote', '--refs', '--'] as const;

/** What `git ls-remote --refs` answered: its refs, or a GitError saying why not. */
function refsListed(result: ExecResult): RemoteRef[] {
  if (result.exitCode !== 0) throw failure('ls-remote', result);
  return parseRefLines(result.stdout, '\t');
}

/** `git ls-remote --refs` of a URL: every ref and the object it points at (peeled lines left out). */
export async function lsRemote(url: string, env?: GitEnv): Promise<RemoteRef[]> {
  assertRemoteUrl(url);
  return refsListed(
    await git({ gitDir: null, args: [...LS_REMOTE_REFS, url], ...(env ? { env } : {}), timeoutMs: GIT_NETWORK_TIMEOUT_MS }),
  );
}

export interface Listings {
  /** URL -> what lsRemote of it answers (each listed once, however often it is given). */
  listings: Map<string, Promise<RemoteRef[]>>;
  /** Stops the listings still going and removes what they left. */
  close(): Promise<void>;
}

/**
 * `git ls-remote --refs` of many URLs with one environment, `concurrency` at once, started
 * by one batch process (exec-batch.ts: a no-op night's listings without a node spawn
 * each). Each answers as lsRemote would, as soon as its own listing ends.
 */
export async function lsRemoteEach(
  urls: readonly string[],
  env: GitEnv | undefined,
  options: { concurrency: number; signal?: AbortSignal; dir?: string },
): Promise<Listings> {
  const distinct = [...new Set(urls)];
  for (const url of distinct) assertRemoteUrl(url);
  const batch = await execEach('git', LS_REMOTE_REFS, distinct, {
    cwd: os.tmpdir(),
    env: env ?? gitBaseEnv(),
    concurrency: options.concurrency,
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dir ? { dir: options.dir } : {}),
  });
  const listings = new Map<string, Promise<RemoteRef[]>>();
  distinct.forEach((url, index) => {
    const listing = (batch.results[index] as Promise<ExecResult>).then(refsListed);
    // A listing nobody asks for must not fail the process as an unhandled rejection.
    listing.catch(() => undefined);
    listings.set(url, listing);
  });
  return { listings, close: batch.close };
}

/** A listing with the commits annotated tags finally name (git's `^{}` lines). */
export interface PeeledListing {
  refs: RemoteRef[];
  /** Ref -> the object its `^{}` line names (annotated tags only; fully peeled by git). */
  peeled: Map<string, string>;
}

/**
 * `git ls-remote` of a URL with the peeled lines: what a dry run decides from without
 * fetching anything. `refs`: only these full refs (each passes assertFullRef), else all.
 */
export async function lsRemotePeeled(url: string, env?: GitEnv, refs: readonly string[] = []): Promise<PeeledListing> {
  assertRemoteUrl(url);
  for (const ref of refs) assertFullRef(ref);
  const result = await gitChecked('ls-remote', {
    gitDir: null,
    // A pattern matches the `^{}` line only when it names it too.
    args: ['ls-remote', '--', url, ...refs.flatMap((ref) => [ref, `${ref}^{}`])],
    ...(env ? { env } : {}),
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
  const listing: PeeledListing = { refs: [], peeled: new Map() };
  for (const { ref, oid } of parseRefLines(result.stdout, '\t')) {
    if (ref.endsWith('^{}')) listing.peeled.set(ref.slice(0, -3), oid);
    else listing.refs.push({ ref, oid });
  }
  // A pattern matches ref name tails (refs/x/refs/tags/T too): only the refs asked for.
  if (refs.length > 0) listing.refs = listing.refs.filter(({ ref }) => refs.includes(ref));
  return listing;
}

function parseRefLines(text: string, separator: string): RemoteRef[] {
  const refs: RemoteRef[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(separator);
    const oid = line.slice(0, at);
    const ref = line.slice(at + 1);
    if (at < 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oid)) throw new Error(`git printed an unexpected ref line: ${JSON.stringify(line)}`);
    refs.push({ ref, oid });
  }
  return refs;
}

export interface PushUpdate {
  /** Local ref whose object is pushed. */
  src: string;
  /** Full destination ref on the remote. */
  dst: string;
  /** What the remote must hold now for the update to apply (null: must not exist). */
  expectOld: string | null;
}

/**
 * One atomic push: either every update lands or none does. Each update carries a lease
 * on the value the remote was seen with, so a mirror that changed since it was read
 * refuses the whole push instead of being overwritten blindly.
 */
export async function pushAtomic(
  gitDir: string,
  remote: 'origin',
  updates: readonly PushUpdate[],
  env?: GitEnv,
): Promise<void> {
  if (updates.length === 0) return;
  const leases: string[] = [];
  const refspecs: string[] = [];
  for (const update of updates) {
    assertFullRef(update.src);
    assertFullRef(update.dst);
    if (update.expectOld !== null) assertObjectId(update.expectOld);
    leases.push(`--force-with-lease=${update.dst}:${update.expectOld ?? ''}`);
    refspecs.push(`${update.src}:${update.dst}`);
  }
  await gitChecked('push', {
    gitDir,
    args: ['push', '--quiet', '--atomic', '--no-verify', '--no-recurse-submodules', ...leases, '--', remote, ...refspecs],
    ...(env ? { env } : {}),
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
}

// ---------------------------------------------------------------- local refs and objects

/** Refs under the prefixes (e.g. `refs/upstream/`) with the object each points at. Names NOT validated. */
export async function listRefs(gitDir: string, ...prefixes: string[]): Promise<RemoteRef[]> {
  for (const prefix of prefixes) {
    if (!/^refs\/([A-Za-z0-9_-]+\/)*$/.test(prefix)) throw new Error(`not a ref prefix: ${JSON.stringify(prefix)}`);
  }
  const result = await gitChecked('for-each-ref', {
    gitDir,
    args: ['for-each-ref', '--format=%(objectname)%00%(refname)', '--', ...prefixes],
  });
  return parseRefLines(result.stdout, '\0');
}

export interface RefUpdate {
  ref: string;
  /** New value; null deletes the ref. */
  oid: string | null;
}

/** Applies all updates in one transaction (`update-ref --stdin`): all or nothing. */
export async function updateRefs(gitDir: string, updates: readonly RefUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const lines: string[] = [];
  for (const update of updates) {
    assertFullRef(update.ref);
    if (update.oid === null) lines.push(`delete ${update.ref}`);
    else {
      assertObjectId(update.oid);
      lines.push(`update ${update.ref} ${update.oid}`);
    }
  }
  await gitChecked('update-ref', {
    gitDir,
    // Without -z the format is space separated; validated ref names hold no space.
    args: ['update-ref', '--stdin'],
    input: lines.map((line) => `${line}\n`).join(''),
  });
}

/**
 * Deletes the refs that exist among `refs`, in one transaction. Names git's rules refuse
 * are left alone (they never reach git from here, and no caller needs them gone).
 */
export async function deleteRefsIfPresent(gitDir: string, refs: readonly string[]): Promise<void> {
  const deletable = refs.filter((ref) => {
    try {
      assertFullRef(ref);
      return true;
    } catch {
      return false;
    }
  });
  await updateRefs(gitDir, deletable.map((ref) => ({ ref, oid: null })));
}

export async function hasObject(gitDir: string, oid: string): Promise<boolean> {
  assertObjectId(oid);
  const result = await git({ gitDir, args: ['cat-file', '-e', '--end-of-options', oid] });
  return result.exitCode === 0;
}

/**
 * The type git gives each object id (commit, tree, blob, tag), or null for one the
 * repository lacks: one `cat-file --batch-check` for them all.
 */
export async function objectTypes(gitDir: string, oids: readonly string[]): Promise<Map<string, string | null>> {
  const types = new Map<string, string | null>();
  if (oids.length === 0) return types;
  for (const oid of oids) assertObjectId(oid);
  const result = await gitChecked('cat-file', {
    gitDir,
    args: ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
    input: oids.map((oid) => `${oid}\n`).join(''),
  });
  const lines = result.stdout.split('\n');
  oids.forEach((oid, index) => {
    // "<oid> <type>", or "<oid> missing" for an object the repository lacks.
    const [, type] = (lines[index] ?? '').split(' ');
    types.set(oid, type === undefined || type === 'missing' ? null : type);
  });
  return types;
}

/**
 * Every commit reachable from `commit` (itself included). One walk answers "is X
 * contained in main?" for any number of X; an id the clone lacks is simply not in it.
 */
export async function ancestorsOf(gitDir: string, commit: string): Promise<Set<string>> {
  assertObjectId(commit);
  const result = await gitChecked('rev-list', { gitDir, args: ['rev-list', '--end-of-options', commit] });
  return new Set(result.stdout.split('\n').filter((line) => line !== ''));
}

/** Whether commit `ancestor` is reachable from commit `descendant` (both must be present). */
export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  assertObjectId(ancestor);
  assertObjectId(descendant);
  const result = await git({ gitDir, args: ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant] });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw failure('merge-base', result);
}

// ---------------------------------------------------------------- queries the sweep runs

/** A revision the queries accept: a full object id, or a ref name git check-ref-format allows. */
function revisionProblem(rev: string): string | null {
  if (isCommitId(rev)) return null;
  return refNameProblem(rev);
}

/** The commit `rev` names (a tag is peeled), as 40 hex. */
export async function revParse(gitDir: string, rev: string): Promise<string> {
  const problem = revisionProblem(rev);
  if (problem) throw new Error(`revParse: ${problem}`);
  const result = await gitChecked('rev-parse', {
    gitDir,
    args: ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`],
  });
  const commit = result.stdout.trim();
  if (!isCommitId(commit)) throw new Error(`git rev-parse printed ${JSON.stringify(commit)} for ${rev}`);
  return commit;
}

/** The commit of the clone's `main`. */
export async function mainCommit(gitDir: string): Promise<string> {
  return revParse(gitDir, 'refs/heads/main');
}

/**
 * Every tag of the clone with the commit it finally points at (annotated tags peeled,
 * also tags of tags). Tags whose names fail refNameProblem, or that do not lead to a
 * commit, are left out: nothing downstream ever sees them. `namespace` is where the tags
 * live: refs/tags/ (what the mirror holds), or refs/upstream/tags/ (upstream, as fetched).
 */
export async function listTags(
  gitDir: string,
  namespace: 'refs/tags/' | 'refs/upstream/tags/' = 'refs/tags/',
): Promise<{ tag: string; commit: string }[]> {
  const result = await gitChecked('for-each-ref', {
    gitDir,
    args: [
      'for-each-ref',
      '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)',
      '--',
      namespace,
    ],
  });
  const tags: { tag: string; commit: string }[] = [];
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [refname = '', oid = '', type = '', peeledOid = '', peeledType = ''] = line.split('\0');
    const tag = refname.slice(namespace.length);
    if (refNameProblem(tag) !== null) continue;
    if (type === 'commit') tags.push({ tag, commit: oid });
    else if (type === 'tag' && peeledType === 'commit') tags.push({ tag, commit: peeledOid });
    else if (type === 'tag' && peeledType === 'tag') {
      // A tag of a tag: for-each-ref peels one level only.
      const commit = await revParse(gitDir, `${namespace}${tag}`).catch(() => null);
      if (commit) tags.push({ tag, commit });
    }
  }
  return tags;
}

// ---------------------------------------------------------------- working trees (a run's checkouts)

/**
 * A full clone (all branches and tags) of `source` (a URL or a path) into the new
 * directory `dest`. Relative paths are the caller's, as on a command line.
 */
export async function cloneRepo(
  source: string,
  dest: string,
  options: { bare?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  await gitChecked('clone', {
    gitDir: null,
    cwd: process.cwd(),
    args: ['clone', '--quiet', ...(options.bare ? ['--bare'] : []), '--', source, dest],
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The commit `rev` names in the repository of `repo`, or null when it names none. `rev` is not checked here. */
async function commitOfRev(repo: string, rev: string): Promise<string | null> {
  const result = await git({ workTree: repo, args: ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * The commit `ref` names: a tag, a branch of origin, a local branch or a commit id (in
 * that order); null if none. Throws when `ref` fails refNameProblem.
 */
export async function resolveRef(repo: string, ref: string): Promise<string | null> {
  assertRefName(ref, 'resolveRef');
  for (const candidate of [`refs/tags/${ref}`, `refs/remotes/origin/${ref}`, `refs/heads/${ref}`, ref]) {
    const commit = await commitOfRev(repo, candidate);
    if (commit !== null) return commit;
  }
  return null;
}

/**
 * Fetches one ref a clone does not carry (e.g. a PR head) from origin; returns its
 * commit, or null when origin has no such ref. Throws when `ref` fails refNameProblem.
 */
export async function fetchRefFromOrigin(repo: string, ref: string): Promise<string | null> {
  assertRefName(ref, 'fetchRefFromOrigin');
  const fetched = await git({
    workTree: repo,
    args: ['fetch', '--quiet', '--', 'origin', ref],
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
  if (fetched.exitCode !== 0) return null;
  return commitOfRev(repo, 'FETCH_HEAD');
}

/**
 * Detaches HEAD at `commit` (a full object id), discarding any change in the work tree
 * (abra may have moved it) and every untracked file.
 */
export async function checkoutDetached(repo: string, commit: string): Promise<void> {
  // An object id can't be read as an option; this git's checkout refuses --end-of-options here.
  assertObjectId(commit);
  await gitChecked('checkout', { workTree: repo, args: ['checkout', '--quiet', '--force', '--detach', commit] });
  await gitChecked('clean', { workTree: repo, args: ['clean', '--quiet', '-d', '--force'] });
}

/** The commit HEAD is at. */
export async function headCommit(repo: string): Promise<string> {
  const result = await gitChecked('rev-parse', { workTree: repo, args: ['rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}'] });
  return result.stdout.trim();
}

/**
 * The names of the tags of a working repository (refs/tags/…, sorted by name), those
 * failing refNameProblem left out as listTags does. (listTags, for the bare cache clone,
 * also gives the commit of each.)
 */
export async function tagNames(repo: string): Promise<string[]> {
  const prefix = 'refs/tags/';
  const result = await gitChecked('for-each-ref', { workTree: repo, args: ['for-each-ref', '--format=%(refname)', '--', prefix] });
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .filter((tag) => refNameProblem(tag) === null);
}

/**
 * The commit tag `tag` points at (peeled), or null when there is no such tag. A name
 * that fails refNameProblem (a version label read from a compose file, say) can be no
 * tag this runner accepts: null, and git never sees it.
 */
export async function tagCommit(repo: string, tag: string): Promise<string | null> {
  if (refNameProblem(tag) !== null) return null;
  return commitOfRev(repo, `refs/tags/${tag}`);
}

/** Whether the work tree has changes git would show (modified, staged, untracked, deleted). */
export async function isDirty(repo: string): Promise<boolean> {
  return (await gitChecked('status', { workTree: repo, args: ['status', '--porcelain'] })).stdout.trim() !== '';
}

/** Work-tree files git would commit (tracked and untracked, not ignored), and tracked files deleted. */
export async function workTreeFiles(repo: string): Promise<{ present: string[]; deleted: string[] }> {
  const split = (text: string) => text.split('\0').filter((f) => f !== '');
  const listed = async (...options: string[]) =>
    split((await gitChecked('ls-files', { workTree: repo, args: ['ls-files', '-z', ...options] })).stdout);
  const present = await listed('--cached', '--others', '--exclude-standard');
  const deleted = await listed('--deleted');
  const gone = new Set(deleted);
  return { present: present.filter((f) => !gone.has(f)), deleted };
}

// ---------------------------------------------------------------- building repositories (fixtures, the demo)

/** Makes `dir` (created if missing) an empty repository on branch main. */
export async function initRepo(dir: string): Promise<void> {
  await gitChecked('init', {
    gitDir: null,
    args: ['init', '--quiet', '--initial-branch=main', '--', path.resolve(dir)],
    env: commitEnv(),
  });
}

/** Stages everything and commits (as COMMIT_ENV's identity); returns the new commit id. */
export async function commitAll(repo: string, message: string): Promise<string> {
  await gitChecked('add', { workTree: repo, args: ['add', '--all'], env: commitEnv() });
  await gitChecked('commit', {
    workTree: repo,
    args: ['commit', '--quiet', '--allow-empty', `--message=${message}`],
    env: commitEnv(),
  });
  return headCommit(repo);
}

/** An annotated tag (abra's lint rule R014 wants annotated release tags) at HEAD. Throws when `tag` fails refNameProblem. */
export async function tagHead(repo: string, tag: string): Promise<void> {
  assertRefName(tag, 'tagHead');
  await gitChecked('tag', {
    workTree: repo,
    args: ['tag', '--annotate', `--message=release ${tag}`, '--', tag],
    env: commitEnv(),
  });
}

/** Pushes main and all tags to `remote` (a path or URL), overwriting what is there. */
export async function pushAll(repo: string, remote: string): Promise<void> {
  await gitChecked('push', {
    workTree: repo,
    args: ['push', '--quiet', '--force', '--tags', '--', remote, 'main'],
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
}

// ---------------------------------------------------------------- the tool itself

/** The installed git's version ("2.39.5"), or null when git does not run. */
export async function gitVersion(): Promise<string | null> {
  const result = await git({ gitDir: null, args: ['--version'] });
  return result.exitCode === 0 ? result.stdout.trim().replace(/^git version /, '') : null;
}
