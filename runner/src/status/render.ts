// The status report as a table for people (`ccci status`, the demo).
import { formatBytes, shortCommit, table } from '../text/format.js';
import type { StatusReport } from './status.js';

export function renderStatus(report: StatusReport): string {
  const rows = report.recipes.map((r) => {
    const attempt = r.lastAttempt ? `${r.lastAttempt.at.slice(0, 16)} ${r.lastAttempt.outcome}` : '-';
    const definition = r.hasDefinition ? '' : ' (NO DEFINITION)';
    switch (r.canonical.state) {
      case 'absent':
        return [r.recipe + definition, '(no canonical)', '-', '-', '-', '-', attempt];
      case 'invalid':
        return [r.recipe + definition, 'INVALID RECORD', '-', '-', '-', '-', attempt];
      case 'present':
        return [
          r.recipe + definition,
          r.canonical.version,
          shortCommit(r.canonical.commit),
          r.canonicalTagMoved ? `${r.canonical.status} TAG MOVED` : r.canonical.status,
          r.canonical.promotedAt,
          formatBytes(r.canonical.snapshotBytes),
          attempt,
        ];
    }
  });
  const lines = [table(['RECIPE', 'CANONICAL', 'COMMIT', 'STATUS', 'PROMOTED', 'SNAPSHOT', 'LAST ATTEMPT'], rows)];
  for (const r of report.recipes) {
    if (r.definitionProblem && r.canonical.state === 'present') {
      lines.push(`${r.recipe}: canonical version ${r.canonical.version} not judged against the prerelease setting: ${r.definitionProblem}`);
    }
    if (r.canonical.state === 'invalid') lines.push(`${r.recipe}: ${r.canonical.problem}`);
    if (r.canonicalTagMoved) {
      const { tag, recorded, now } = r.canonicalTagMoved;
      lines.push(`${r.recipe}: canonical tag ${tag} moved upstream: it names ${now}, the canonical was tested at ${recorded}`);
    }
  }
  lines.push(
    report.disk
      ? `state ${report.stateDir}: ${formatBytes(report.disk.freeBytes)} free (${report.disk.freePercent.toFixed(1)}%)`
      : `state ${report.stateDir}: not present`,
  );
  return lines.join('\n');
}
