// A Prometheus textfile (node_exporter's textfile collector) written atomically after a
// sweep. It covers every enrolled recipe, not only those this sweep looked at (a manual
// `ccci sweep --recipe R` must not make the other recipes' series disappear): their
// canonical from the registry (read as the sweep reads it: readTrustedCanonical, so a
// record the sweep refuses counts as no canonical, and as an invalid one), their last
// outcome from their attempts.
import type { Config } from '../config/config.js';
import { writeFileAtomic } from '../effects/atomic-file.js';
import { readAttemptMemory } from '../registry/attempts.js';
import { readTrustedCanonical } from '../registry/record-check.js';
import { definitionReader, enrolledNames, lazyPrereleaseSetting } from '../config/enrollment.js';
import { OUTCOMES, type SweepReport } from './report.js';

export interface RecipeMetrics {
  /** The canonical version, or null when there is none (or the record is invalid). */
  canonicalVersion: string | null;
  /** Whether there is a canonical.json the sweep refuses (error:registry until a person fixes it). */
  canonicalInvalid: boolean;
  /** The outcome of the recipe's last sweep, or null when it was never swept. */
  lastOutcome: string | null;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(report: SweepReport, recipes: ReadonlyMap<string, RecipeMetrics>): string {
  const sorted = [...recipes].sort(([a], [b]) => a.localeCompare(b));
  const lines: string[] = [
    '# HELP ccci_canonical_info The canonical (known-good) version of each enrolled recipe.',
    '# TYPE ccci_canonical_info gauge',
  ];
  for (const [recipe, metrics] of sorted) {
    if (metrics.canonicalVersion !== null) {
      lines.push(`ccci_canonical_info{recipe="${label(recipe)}",version="${label(metrics.canonicalVersion)}"} 1`);
    }
  }
  lines.push(
    '# HELP ccci_recipe_has_canonical Whether the recipe has a canonical.',
    '# TYPE ccci_recipe_has_canonical gauge',
    ...sorted.map(([recipe, m]) => `ccci_recipe_has_canonical{recipe="${label(recipe)}"} ${m.canonicalVersion === null ? 0 : 1}`),
    '# HELP ccci_recipe_canonical_invalid Whether the recipe has a canonical record the sweep refuses (invalid, or its snapshot missing or not what it records).',
    '# TYPE ccci_recipe_canonical_invalid gauge',
    ...sorted.map(([recipe, m]) => `ccci_recipe_canonical_invalid{recipe="${label(recipe)}"} ${m.canonicalInvalid ? 1 : 0}`),
    '# HELP ccci_recipe_last_outcome Outcome of the recipe in its last sweep (1 for the outcome that happened).',
    '# TYPE ccci_recipe_last_outcome gauge',
  );
  for (const [recipe, metrics] of sorted) {
    if (metrics.lastOutcome === null) continue;
    for (const outcome of OUTCOMES) {
      lines.push(
        `ccci_recipe_last_outcome{recipe="${label(recipe)}",outcome="${outcome}"} ${metrics.lastOutcome === outcome ? 1 : 0}`,
      );
    }
  }
  lines.push(
    '# HELP ccci_sweep_last_run_timestamp_seconds When the last sweep finished.',
    '# TYPE ccci_sweep_last_run_timestamp_seconds gauge',
    `ccci_sweep_last_run_timestamp_seconds ${Math.floor(Date.parse(report.finishedAt) / 1000)}`,
    '# HELP ccci_sweep_last_success Whether the last sweep exited 0.',
    '# TYPE ccci_sweep_last_success gauge',
    `ccci_sweep_last_success ${report.exitCode === 0 ? 1 : 0}`,
    '# HELP ccci_sweep_last_duration_seconds How long the last sweep took.',
    '# TYPE ccci_sweep_last_duration_seconds gauge',
    `ccci_sweep_last_duration_seconds ${(report.durationMs / 1000).toFixed(3)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Every enrolled recipe's metrics, read back from the registry after the sweep. */
export async function collectRecipeMetrics(config: Config): Promise<Map<string, RecipeMetrics>> {
  // The prerelease setting as the sweep has it, loaded only for a version that needs it.
  const definitionOf = definitionReader(config);
  const entries = await Promise.all(
    enrolledNames(config).map(async (recipe): Promise<[string, RecipeMetrics]> => {
      const allowPrereleases = lazyPrereleaseSetting(definitionOf, recipe);
      const [read, { memory }] = await Promise.all([
        readTrustedCanonical(config.stateDir, recipe, config.domain, { allowPrereleases }),
        readAttemptMemory(config.stateDir, recipe),
      ]);
      return [
        recipe,
        {
          canonicalVersion: read.state === 'present' ? read.record.version : null,
          canonicalInvalid: read.state === 'invalid',
          lastOutcome: memory.last?.outcome ?? null,
        },
      ];
    }),
  );
  return new Map(entries);
}

/** World-readable whatever the umask: node_exporter reads it as its own user. */
export const METRICS_FILE_MODE = 0o644;

export async function writeMetrics(config: Config, file: string, report: SweepReport): Promise<void> {
  await writeFileAtomic(file, renderMetrics(report, await collectRecipeMetrics(config)), { mode: METRICS_FILE_MODE });
}
