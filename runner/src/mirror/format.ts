// The readable form of a MirrorSyncReport, for `ccci mirror-sync` without --json.
import type { MirrorSyncReport } from './report.js';

function short(oid: string | null): string {
  return oid === null ? '(new)' : oid.slice(0, 12);
}

export function formatMirrorSyncReport(report: MirrorSyncReport): string[] {
  const would = report.dryRun ? 'would ' : '';
  const lines = [
    `mirror-sync ${report.recipe}${report.dryRun ? ' (dry run: the mirror and its PRs were left unchanged)' : ''}`,
    `  upstream main  ${report.upstreamMain}`,
    `  cache clone    ${report.cacheDir}`,
  ];
  if (!report.mirrored) {
    lines.push('  no mirror configured: upstream fetched into the cache only');
  } else if (report.pushed.length === 0) {
    lines.push('  the mirror already equals upstream: nothing pushed');
  } else {
    lines.push(`  ${report.dryRun ? 'would push' : 'pushed'} (atomically):`);
    for (const push of report.pushed) {
      lines.push(`    ${push.ref}  ${short(push.from)} -> ${short(push.to)}${push.forced ? '  (forced)' : ''}`);
    }
  }
  if (report.warnings.length > 0) {
    lines.push('  warnings:');
    for (const warning of report.warnings) lines.push(`    [${warning.code}] ${warning.message}`);
  }
  if (report.rejectedTags.length > 0) {
    lines.push('  rejected tags:');
    for (const rejected of report.rejectedTags) lines.push(`    ${JSON.stringify(rejected.tag)}: ${rejected.reason}`);
  }
  for (const pr of report.closedPrs) {
    lines.push(`  ${would}close PR #${pr.number}: head ${short(pr.headSha)} is in upstream main ${short(pr.upstreamCommit)}`);
  }
  if (report.mirrored && (report.closedPrs.length > 0 || report.openPrsKept > 0)) {
    lines.push(`  open PRs left as they are: ${report.openPrsKept}`);
  }
  if (report.openPrsUnjudged > 0) {
    lines.push(
      `  open PRs not judged: ${report.openPrsUnjudged} (upstream main is not fetched yet and a dry run fetches nothing; the sync may close some)`,
    );
  }
  return lines;
}
