// A Prometheus textfile (node_exporter's textfile collector) written atomically after a sweep.
import type { SweepReport } from './report.js';
import { OUTCOMES } from './report.js';
import { writeFileAtomic } from '../effects/atomic-file.js';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `canonicals`: every enrolled recipe's canonical version after the sweep, or null. */
export function renderMetrics(report: SweepReport, canonicals: ReadonlyMap<string, string | null>): string {
  const lines: string[] = [
    '# HELP ccci_canonical_info The canonical (known-good) version of each enrolled recipe.',
    '# TYPE ccci_canonical_info gauge',
  ];
  for (const [recipe, version] of [...canonicals].sort(([a], [b]) => a.localeCompare(b))) {
    if (version !== null) lines.push(`ccci_canonical_info{recipe="${label(recipe)}",version="${label(version)}"} 1`);
  }
  lines.push(
    '# HELP ccci_recipe_last_outcome Outcome of the recipe in the last sweep (1 for the outcome that happened).',
    '# TYPE ccci_recipe_last_outcome gauge',
  );
  for (const r of report.recipes) {
    for (const outcome of OUTCOMES) {
      lines.push(
        `ccci_recipe_last_outcome{recipe="${label(r.recipe)}",outcome="${outcome}"} ${r.outcome === outcome ? 1 : 0}`,
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

export async function writeMetrics(
  file: string,
  report: SweepReport,
  canonicals: ReadonlyMap<string, string | null>,
): Promise<void> {
  await writeFileAtomic(file, renderMetrics(report, canonicals));
}
