// ccci gc [--dry-run] [--json]: removes what crashed sweeps, promotes and runs left
// (temp files, promote work directories, apps of dead runs, snapshot directories no
// trusted canonical names). Exit 0 when everything found is gone, 1 when something could
// not be removed (it is listed), 2 bad invocation, 75 a sweep holds the lock.
import { loadConfig } from '../../config/config.js';
import { collectGarbage } from '../../sweep/gc.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const gcCommand: Command = {
  name: 'gc',
  usage: 'gc [--dry-run] [--json]',
  summary: 'remove what crashes left: temp files, promote work dirs, apps of dead runs, unnamed snapshots',
  async run(argv, context) {
    const { values } = parseCommandArgs('gc', argv, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, false);
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    const dryRun = values['dry-run'] ?? false;
    const progress = values.json ? context.stderr : context.stdout;
    const outcome = await collectGarbage(config, { dryRun, log: (line) => writeLine(progress, line) });
    if (outcome.kind === 'locked') {
      writeLine(context.stderr, `ccci gc: a sweep holds the lock: ${outcome.holder}`);
      return EXIT.locked;
    }
    const { removed, problems } = outcome.report;
    if (values.json) writeLine(context.stdout, JSON.stringify({ dryRun, ...outcome.report }, null, 2));
    else {
      const count = `${removed.length} ${dryRun ? 'thing(s) would be removed' : 'thing(s) removed'}`;
      writeLine(context.stdout, `gc: ${removed.length === 0 && problems.length === 0 ? 'nothing left behind' : count}` +
        `${problems.length > 0 ? `, ${problems.length} problem(s)` : ''}${dryRun ? ' [dry run: nothing changed]' : ''}`);
    }
    return problems.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
