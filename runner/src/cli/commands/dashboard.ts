// ccci dashboard [--out DIR] [--json]: write the static dashboard now (the sweep writes
// it after every sweep when dashboardDir is configured).
import { loadConfig } from '../../config/config.js';
import { InputError } from '../../config/errors.js';
import { writeDashboard } from '../../dashboard/dashboard.js';
import { DashboardBusyError, DashboardDirectoryError } from '../../dashboard/publish.js';
import { formatBytes } from '../../text/format.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';
import path from 'node:path';

export const dashboardCommand: Command = {
  name: 'dashboard',
  usage: 'dashboard [--out DIR] [--json]',
  summary: 'write the static dashboard (HTML pages, badges, redacted run logs) to DIR or the configured dashboardDir',
  async run(argv, context) {
    const { values } = parseCommandArgs('dashboard', argv, { out: { type: 'string' }, json: { type: 'boolean' } }, false);
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    const dir = values.out ?? config.dashboardDir;
    if (!dir) throw new InputError(`no --out DIR given and no dashboardDir in ${config.source}`);
    let written;
    try {
      written = await writeDashboard(config, path.resolve(dir));
    } catch (error) {
      if (error instanceof DashboardDirectoryError) throw new InputError(error.message);
      if (error instanceof DashboardBusyError) {
        writeLine(context.stderr, `ccci dashboard: ${error.message}`);
        return EXIT.locked;
      }
      throw error;
    }
    if (values.json) writeLine(context.stdout, JSON.stringify(written, null, 2));
    else {
      writeLine(
        context.stdout,
        `dashboard: ${written.dir}/index.html (${written.recipes} recipe(s), ${written.attention} needing a look, ${written.files} files, ${formatBytes(written.bytes)})`,
      );
      for (const problem of written.problems) writeLine(context.stdout, `unreadable: ${problem}`);
    }
    return EXIT.ok;
  },
};
