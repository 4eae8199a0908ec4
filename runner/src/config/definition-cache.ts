// <cacheDir>/definitions.json: the recipe definitions as last parsed and validated, each
// with the identity of the file it came from (size, mtime and ctime to the nanosecond,
// inode, device). A sweep whose recipes/*.yaml did not change takes them from here and
// loads neither the YAML parser nor zod; any file that changed, appeared or cannot be
// matched is parsed and validated as before (recipe-definition.ts).
//
// The cache is trusted only as far as it can be checked: it names the code that parsed
// it (a digest of the parser's own modules and the YAML library's version, so a new
// runner never takes an old runner's defaults), carries a digest of its own contents (a
// torn or edited file is ignored), and a file modified within two seconds of being
// cached is not cached (its timestamp could not tell a second edit in the same tick).
// Only a sweep that may change things writes it (never a dry run or `ccci decide`), with
// the writer it passes in (the atomic write of effects/, a layer above this one).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasKeys, isPlainObject } from '../core/record-checks.js';
import type { RecipeDefinition } from './recipe-types.js';

const SCHEMA = 1;
/** A file modified this recently is parsed but not cached. */
const RACY_MS = 2000;

export function definitionCachePath(cacheDir: string): string {
  return path.join(cacheDir, 'definitions.json');
}

interface FileIdentity {
  file: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

interface CacheEntry extends FileIdentity {
  definition: RecipeDefinition;
}

/** The identity of `file` now, or null if it cannot be stat'ed. */
export function identityOf(file: string): (FileIdentity & { mtimeMs: number }) | null {
  try {
    const s = statSync(file, { bigint: true });
    return {
      file,
      size: String(s.size),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
      ino: String(s.ino),
      dev: String(s.dev),
      mtimeMs: Number(s.mtimeMs),
    };
  } catch {
    return null;
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.file === b.file && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;
}

let fingerprint: string | null = null;
/** The code whose output the cache holds: the definition modules' own text and the YAML parser's version. */
function codeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha256');
  for (const module of ['./recipe-definition.js', './recipe-types.js']) {
    hash.update(readFileSync(fileURLToPath(new URL(module, import.meta.url))));
  }
  try {
    const yamlPackage = createRequire(import.meta.url).resolve('yaml/package.json');
    hash.update((JSON.parse(readFileSync(yamlPackage, 'utf8')) as { version?: string }).version ?? '?');
  } catch {
    hash.update('yaml ?');
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}

function digestOf(code: string, entries: Record<string, CacheEntry>): string {
  return createHash('sha256').update(JSON.stringify({ code, entries })).digest('hex');
}

export interface DefinitionCache {
  /** The cached definition of `recipe` if its file is still the one it was parsed from. */
  lookup(recipe: string, file: string): RecipeDefinition | null;
  /** Records a definition just parsed from `file`, identified as it was before it was read. */
  remember(recipe: string, identity: FileIdentity & { mtimeMs: number }, definition: RecipeDefinition): void;
  /** Writes the cache with `write` (atomically!) if anything was remembered. */
  save(write: (file: string, value: unknown) => Promise<void>): Promise<void>;
}

export function openDefinitionCache(cacheDir: string): DefinitionCache {
  const file = definitionCachePath(cacheDir);
  let entries: Record<string, CacheEntry> = {};
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isPlainObject(raw) && hasKeys(raw, ['schema', 'code', 'entries', 'digest']) && raw.schema === SCHEMA) {
      const code = codeFingerprint();
      const stored = raw.entries as Record<string, CacheEntry>;
      if (raw.code === code && isPlainObject(stored) && raw.digest === digestOf(code, stored)) entries = stored;
    }
  } catch {
    // no cache, or not one: every definition is parsed
  }
  let changed = false;
  return {
    lookup(recipe, definitionFile) {
      const entry = Object.hasOwn(entries, recipe) ? entries[recipe] : undefined;
      if (!entry) return null;
      const now = identityOf(definitionFile);
      return now && sameIdentity(entry, now) ? entry.definition : null;
    },
    remember(recipe, identity, definition) {
      if (identity.mtimeMs > Date.now() - RACY_MS) return;
      const { mtimeMs: _mtimeMs, ...fileIdentity } = identity;
      entries = { ...entries, [recipe]: { ...fileIdentity, definition } };
      changed = true;
    },
    async save(write) {
      if (!changed) return;
      const code = codeFingerprint();
      await write(file, { schema: SCHEMA, code, entries, digest: digestOf(code, entries) });
      changed = false;
    },
  };
}
