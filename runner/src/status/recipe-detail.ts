// What `ccci status RECIPE` shows: one recipe in full, read from the state without
// touching the network: the canonical record, its snapshot, the last attempts, what the
// last sweep reported, whether the canonical's tag moved, and the decision the next
// nightly sweep would make on the tags of the last mirror sync.
import { existsSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { definitionReader } from '../config/enrollment.js';
import { InputError } from '../config/errors.js';
import { definitionPath } from '../config/recipe-types.js';
import { decide, type Decision } from '../core/decision.js';
import { recipeNameProblem } from '../core/names.js';
import { readSyncRecord, syncRecordPath } from '../mirror/sync-record.js';
import { readAttempts, redRuns, type Attempt } from '../registry/attempts.js';
import type { CanonicalRecord } from '../registry/canonical.js';
import { recipeStateDir } from '../registry/record-paths.js';
import { checkTrustedCanonical } from '../registry/record-check.js';
import { movedCanonicalTag } from './moved-tag.js';
import { runsOfRecipe } from './runs.js';
import { findLatestReportOf, type ReportedRecipe } from './sweep-reports.js';

export const DETAIL_ATTEMPTS = 10;

/** Where to look when the last sync is not enough: `ccci decide` lists upstream (git ls-remote) and writes nothing. */
export function decideHint(recipe: string): string {
  return `ccci decide ${recipe} asks upstream now and changes nothing`;
}

export interface RecipeDetail {
  recipe: string;
  enrolled: boolean;
  hasDefinition: boolean;
  /**
   * The canonical as the sweep reads it (readTrustedCanonical): a record whose snapshot is
   * missing or disagrees with it, that names another domain or a version the recipe does
   * not allow is invalid here too, with the reason.
   */
  canonical: { state: 'absent' } | { state: 'invalid'; problem: string } | { state: 'present'; record: CanonicalRecord };
  /** An invalid canonical that is a well-formed record: what it claims (not trusted). */
  untrustedRecord: CanonicalRecord | null;
  /**
   * Why the recipe's definition cannot be loaded (null: it can). Without it the prerelease
   * setting is unknown: the canonical's version is not judged and there is no next decision.
   */
  definitionProblem: string | null;
  /** The newest attempts, newest first. */
  attempts: Attempt[];
  attemptCount: number;
  badAttemptLines: number;
  lastReport: { sweepId: string; startedAt: string; recipe: ReportedRecipe } | null;
  movedTag: string | null;
  /** When the tags the next decision is made on were synced (null: never synced). */
  syncedAt: string | null;
  /** What the next nightly sweep would decide, on the last sync's tags (null: no sync record). */
  nextDecision: Decision | null;
  nextDecisionProblem: string | null;
  /** The recipe's newest run directory (sweep or `ccci run`). */
  latestRun: string | null;
}

export async function collectRecipeDetail(config: Config, recipe: string): Promise<RecipeDetail> {
  const problem = recipeNameProblem(recipe);
  if (problem) throw new InputError(problem);
  const enrolled = Object.hasOwn(config.recipes, recipe);
  if (!enrolled && !existsSync(recipeStateDir(config.stateDir, recipe))) {
    const names = Object.keys(config.recipes).sort();
    throw new InputError(
      `recipe ${recipe} is not enrolled in ${config.source} and has no state in ${config.stateDir} (enrolled: ${names.length > 0 ? names.join(', ') : 'none'})`,
    );
  }
  // The prerelease setting from where the sweep takes it: the definition, with the
  // configuration's override (loadEnrolled); never a default.
  const { definition, problem: definitionProblem } = await definitionReader(config)(recipe);
  const [trusted, attempts, sync, latest, runs] = await Promise.all([
    checkTrustedCanonical(config.stateDir, recipe, config.domain, { allowPrereleases: definition?.allowPrereleases }),
    readAttempts(config.stateDir, recipe),
    readSyncRecord(syncRecordPath(config.cacheDir, recipe)),
    findLatestReportOf(config.stateDir, recipe),
    runsOfRecipe(config.runsDir, recipe),
  ]);
  const read = trusted.read;
  const record = read.state === 'present' ? read.record : null;
  const tags = sync.state === 'present' ? sync.record.tags : null;

  let nextDecision: Decision | null = null;
  let nextDecisionProblem: string | null = null;
  if (!definition) {
    const sweep = enrolled ? 'a sweep would stop with exit 2' : 'and it is not enrolled: no sweep looks at it';
    nextDecisionProblem = `the recipe's definition cannot be loaded (${sweep}): ${definitionProblem}`;
  } else if (sync.state === 'present') {
    try {
      nextDecision = decide({
        tags: sync.record.tags.map((t) => t.tag),
        tagCommits: Object.fromEntries(sync.record.tags.map((t) => [t.tag, t.commit])),
        canonical:
          read.state === 'present'
            ? { state: 'present', version: read.record.version, commit: read.record.commit }
            : read,
        redAttempts: redRuns(attempts.attempts),
        retryRed: false,
        allowPrereleases: definition.allowPrereleases,
      });
    } catch (error) {
      nextDecisionProblem = (error as Error).message;
    }
  } else {
    nextDecisionProblem = `${
      sync.state === 'absent' ? 'no mirror sync recorded yet' : `the sync record cannot be used: ${sync.problem}`
    } (${decideHint(recipe)})`;
  }

  return {
    recipe,
    enrolled,
    hasDefinition: existsSync(definitionPath(config.repo, recipe)),
    canonical: read,
    untrustedRecord: trusted.untrusted,
    definitionProblem,
    attempts: attempts.attempts.slice(-DETAIL_ATTEMPTS).reverse(),
    attemptCount: attempts.attempts.length,
    badAttemptLines: attempts.badLines,
    lastReport: latest ? { sweepId: latest.sweep.sweepId, startedAt: latest.sweep.startedAt, recipe: latest.recipe } : null,
    movedTag: movedCanonicalTag(record, tags, latest?.recipe.warnings ?? []),
    syncedAt: sync.state === 'present' ? sync.record.syncedAt : null,
    nextDecision,
    nextDecisionProblem,
    latestRun: runs[0] ?? null,
  };
}
