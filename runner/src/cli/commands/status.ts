import { loadConfig } from '../../config/config.js';
import { collectStatus, type StatusReport } from '../../status/status.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';
import { formatBytes, shortCommit, table } from '../format.js';

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
          r.canonical.status,
          r.canonical.promotedAt,
          formatBytes(r.canonical.snapshotBytes),
          attempt,
        ];
    }
  });
  const lines = [table(['RECIPE', 'CANONICAL', 'COMMIT', 'STATUS', 'PROMOTED', 'SNAPSHOT', 'LAST ATTEMPT'], rows)];
  for (const r of report.recipes) {
    if (r.canonical.state === 'invalid') lines.push(`${r.recipe}: ${r.canonical.problem}`);
  }
  lines.push(
    report.disk
      ? `state ${report.stateDir}: ${formatBytes(report.disk.freeBytes)} free (${report.disk.freePercent.toFixed(1)}%)`
      : `state ${report.stateDir}: not present`,
  );
  return lines.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [--json]',
  summary: 'every enrolled recipe with its canonical, last attempt and snapshot size',
  async run(argv, context) {
    const { values } = parseCommandArgs('status', argv, { json: { type: 'boolean' } }, false);
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    const report = await collectStatus(config);
    writeLine(context.stdout, values.json ? JSON.stringify(report, null, 2) : renderStatus(report));
    return EXIT.ok;
  },
};
