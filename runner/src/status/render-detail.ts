// `ccci status RECIPE` for people.
import { formatBytes, formatDuration, shortCommit, table } from '../text/format.js';
import { decideHint, type RecipeDetail } from './recipe-detail.js';

export function renderRecipeDetail(d: RecipeDetail): string {
  const lines: string[] = [`${d.recipe}${d.enrolled ? '' : ' (NOT ENROLLED)'}${d.hasDefinition ? '' : ' (NO DEFINITION)'}`];
  lines.push('', 'canonical:');
  switch (d.canonical.state) {
    case 'absent':
      lines.push('  none');
      break;
    case 'invalid': {
      // The sweep's own word for it: error:registry until a person fixes the record.
      lines.push(`  INVALID RECORD (the sweep refuses it: error:registry; left as it is): ${d.canonical.problem}`);
      const u = d.untrustedRecord;
      if (u) {
        lines.push(
          '  what it claims (not trusted):',
          `  version     ${u.version}`,
          `  commit      ${u.commit}`,
          `  domain      ${u.domain}`,
          `  snapshot    ${u.snapshot.id}: ${u.snapshot.volumes.join(', ') || 'no volumes'}, ${formatBytes(u.snapshot.bytes)}`,
        );
      }
      break;
    }
    case 'present': {
      const c = d.canonical.record;
      lines.push(
        `  version     ${c.version}`,
        `  commit      ${c.commit}`,
        `  level       L${c.level}`,
        `  promoted    ${c.promotedAt} by run ${c.runId}`,
        `  updated     ${c.updatedAt} (${c.status})`,
        `  domain      ${c.domain}`,
        // On disk and agreeing with the record as far as the sweep's check looks (its
        // meta.json, every archive at its size); the checksums are verified where the data
        // is used (a promote, a quick run's restore).
        `  snapshot    ${c.snapshot.id}: ${c.snapshot.volumes.join(', ') || 'no volumes'}, ${formatBytes(c.snapshot.bytes)}`,
      );
    }
  }
  if (d.definitionProblem && (d.canonical.state === 'present' || d.untrustedRecord)) {
    lines.push(`  (its version is not checked against the recipe's prerelease setting: the definition cannot be loaded)`);
  }
  lines.push(`  moved tag   ${d.movedTag ?? 'no'}`);

  lines.push('', 'next decision:');
  if (d.nextDecision) {
    lines.push(`  ${d.nextDecision.reason}`, `  (on the tags of the last mirror sync, ${d.syncedAt}; ${decideHint(d.recipe)})`);
    for (const rejected of d.nextDecision.rejectedTags) lines.push(`  not a release tag: ${JSON.stringify(rejected.tag)} (${rejected.reason})`);
  } else {
    lines.push(`  unknown: ${d.nextDecisionProblem}`);
  }

  lines.push('', 'last sweep:');
  if (d.lastReport) {
    const r = d.lastReport.recipe;
    lines.push(`  ${d.lastReport.startedAt} ${r.outcome}: ${r.error ?? r.reason} (sweep ${d.lastReport.sweepId})`);
    for (const warning of r.warnings) lines.push(`  warning: ${warning}`);
  } else {
    lines.push('  no sweep report names this recipe');
  }

  lines.push('', `last attempts (${d.attempts.length} of ${d.attemptCount}${d.badAttemptLines > 0 ? `; ${d.badAttemptLines} unreadable line(s)` : ''}):`);
  if (d.attempts.length === 0) lines.push('  none');
  else {
    const rows = d.attempts.map((a) => [
      a.at.slice(0, 19),
      a.outcome,
      a.decision,
      a.tag ?? '-',
      shortCommit(a.commit),
      a.level === null ? '-' : `L${a.level}`,
      formatDuration(a.durationMs),
      a.runId ?? '-',
    ]);
    lines.push(...table(['AT', 'OUTCOME', 'DECISION', 'TAG', 'COMMIT', 'LEVEL', 'TIME', 'RUN'], rows).split('\n').map((l) => `  ${l}`));
  }
  lines.push('', `latest run: ${d.latestRun ?? 'none'}${d.latestRun ? ` (ccci logs ${d.recipe})` : ''}`);
  return lines.join('\n');
}
