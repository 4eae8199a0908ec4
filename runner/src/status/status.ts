// What `ccci status` shows: per enrolled recipe, its canonical (or why there is none),
// its last sweep attempt and snapshot size; and the state directory's free space.
// Per recipe it reads canonical.json and the attempts' current state (not the history),
// so its cost does not grow with the nights. The canonical is read as the sweep reads it
// (readTrustedCanonical: the snapshot's meta.json and archive sizes, no hashing), with the
// prerelease setting the sweep uses (the definition, with the configuration's override);
// the definition is loaded only for a canonical whose version is not a plain release, the
// one case where the setting can change the answer, so the usual status loads none.
import { existsSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { definitionPath } from '../config/recipe-types.js';
import { diskSpace, type DiskSpace } from '../effects/disk.js';
import { readLastAttempt, type Attempt } from '../registry/attempts.js';
import { readTrustedCanonical } from '../registry/record-check.js';
import { definitionReader, enrolledNames, lazyPrereleaseSetting, type DefinitionRead } from '../config/enrollment.js';

export interface RecipeStatus {
  recipe: string;
  hasDefinition: boolean;
  /**
   * Why the definition cannot be loaded, when the canonical's version needed its
   * prerelease setting (the version is then not judged); null otherwise.
   */
  definitionProblem: string | null;
  canonical:
    | { state: 'absent' }
    | { state: 'invalid'; problem: string }
    | {
        state: 'present';
        version: string;
        commit: string;
        status: string;
        promotedAt: string;
        updatedAt: string;
        level: number;
        snapshotBytes: number;
      };
  lastAttempt: Attempt | null;
  /**
   * The canonical's tag names another commit upstream than the canonical was tested at,
   * as the last sweep saw it; null when it does not (or the canonical changed since).
   */
  canonicalTagMoved: { tag: string; recorded: string; now: string } | null;
}

export interface StatusReport {
  stateDir: string;
  disk: DiskSpace | null;
  recipes: RecipeStatus[];
}

async function recipeStatus(
  config: Config,
  recipe: string,
  definitionOf: (name: string) => Promise<DefinitionRead>,
): Promise<RecipeStatus> {
  let definitionProblem: string | null = null;
  const allowPrereleases = lazyPrereleaseSetting(definitionOf, recipe, (problem) => (definitionProblem = problem));
  const [read, lastAttempt] = await Promise.all([
    readTrustedCanonical(config.stateDir, recipe, config.domain, { allowPrereleases }),
    readLastAttempt(config.stateDir, recipe).catch((): Attempt | null => null),
  ]);
  const canonical: RecipeStatus['canonical'] =
    read.state === 'present'
      ? {
          state: 'present',
          version: read.record.version,
          commit: read.record.commit,
          status: read.record.status,
          promotedAt: read.record.promotedAt,
          updatedAt: read.record.updatedAt,
          level: read.record.level,
          snapshotBytes: read.record.snapshot.bytes,
        }
      : read;
  const moved = lastAttempt?.canonicalTagMoved ?? null;
  return {
    recipe,
    hasDefinition: existsSync(definitionPath(config.repo, recipe)),
    definitionProblem,
    canonical,
    lastAttempt,
    canonicalTagMoved:
      moved && read.state === 'present' && moved.tag === read.record.version && moved.recorded === read.record.commit ? moved : null,
  };
}

export async function collectStatus(config: Config): Promise<StatusReport> {
  const names = enrolledNames(config);
  const definitionOf = definitionReader(config);
  const recipes = await Promise.all(names.map((name) => recipeStatus(config, name, definitionOf)));
  const disk = await diskSpace(config.stateDir).catch(() => null);
  return { stateDir: config.stateDir, disk, recipes };
}
