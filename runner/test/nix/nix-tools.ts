// What the nix tests share: where the repository is, whether nix-instantiate is
// installed, and which nixpkgs lib (if any) the module can be evaluated against.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execProgram } from '../../src/effects/exec.js';

/** The checkout: the nearest ancestor of this file holding flake.nix. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'flake.nix'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (no flake.nix above the tests)');
    dir = parent;
  }
}

/** Directories never searched for .nix files: dependencies, build output, VCS. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'coverage', 'result']);

/** Every .nix file of the checkout, relative to its root, sorted. */
export function nixFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRECTORIES.has(entry.name)) walk(path.join(dir, entry.name));
      } else if (entry.isFile() && entry.name.endsWith('.nix')) {
        found.push(path.relative(root, path.join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return found.sort();
}

/**
 * Evaluate without a Nix store: no daemon, no database, nothing written (store
 * paths of sources are computed). Lets the tests run as any user on Debian's nix-bin.
 */
export const NO_STORE = ['--store', 'dummy://', '--readonly-mode'] as const;

/**
 * The store arguments for nix-instantiate. Where the caller set up a store of its
 * own (NIX_STORE_DIR, as pkgs/runner-tests.nix does with a private store in the
 * build directory, like nixpkgs' lib tests), that store is used as it is: a newer
 * Nix may refuse the dummy store for what evaluation writes. Elsewhere, no store.
 */
export function storeArguments(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return env.NIX_STORE_DIR ? [] : NO_STORE;
}

let installed: Promise<boolean> | undefined;
/** Whether nix-instantiate can be run (CI installs Debian's nix-bin). */
export function nixInstantiateInstalled(): Promise<boolean> {
  installed ??= execProgram('nix-instantiate', ['--version']).then((result) => result.exitCode === 0);
  return installed;
}

export type LibSource = { kind: 'path'; path: string } | { kind: 'nix-path' };

/**
 * The nixpkgs lib to evaluate the module against: $NIXPKGS_LIB (a lib directory,
 * or a nixpkgs checkout holding lib/), else <nixpkgs/lib> when NIX_PATH has it,
 * else null. A NIXPKGS_LIB that is set but holds no lib is an error, not a skip.
 */
export async function findNixpkgsLib(env: NodeJS.ProcessEnv = process.env): Promise<LibSource | null> {
  const configured = env.NIXPKGS_LIB;
  if (configured) {
    for (const candidate of [configured, path.join(configured, 'lib')]) {
      if (existsSync(path.join(candidate, 'default.nix')) && existsSync(path.join(candidate, 'modules.nix'))) {
        return { kind: 'path', path: path.resolve(candidate) };
      }
    }
    throw new Error(`NIXPKGS_LIB=${configured}: neither it nor its lib/ is a nixpkgs lib (default.nix and modules.nix)`);
  }
  const lookup = await execProgram('nix-instantiate', [...storeArguments(env), '--find-file', 'nixpkgs/lib']);
  return lookup.exitCode === 0 ? { kind: 'nix-path' } : null;
}
