// ccci mirror-sync RECIPE [--dry-run] [--json]: make the mirror of one recipe a faithful
// copy of upstream and close mirror PRs already merged upstream.
import { loadConfig } from '../../config/config.js';
import { InputError } from '../../config/errors.js';
import { recipeNameProblem } from '../../core/names.js';
import { formatMirrorSyncReport } from '../../mirror/format.js';
import { MirrorSyncError } from '../../mirror/report.js';
import { syncMirror } from '../../mirror/sync.js';
import { readCanonical } from '../../registry/canonical.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const mirrorSyncCommand: Command = {
  name: 'mirror-sync',
  usage: 'mirror-sync RECIPE [--dry-run] [--json]',
  summary: "make the recipe's mirror equal upstream (main and tags) and close PRs merged upstream",
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs('mirror-sync', argv, {
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) {
      throw new InputError(`expected exactly one RECIPE, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}`);
    }
    const recipe = positionals[0] as string;
    const problem = recipeNameProblem(recipe);
    if (problem) throw new InputError(problem);
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    if (!Object.hasOwn(config.recipes, recipe)) {
      const enrolled = Object.keys(config.recipes);
      throw new InputError(
        `recipe ${recipe} is not enrolled in ${config.source} (enrolled: ${enrolled.length > 0 ? enrolled.join(', ') : 'none'})`,
      );
    }
    // The canonical only sharpens a warning (a moved canonical tag); an unreadable record
    // must not stop the mirror from being synced.
    const canonical = await readCanonical(config.stateDir, recipe).catch(() => null);
    const canonicalVersion = canonical?.state === 'present' ? canonical.record.version : null;
    if (canonical?.state === 'invalid') writeLine(context.stderr, `ccci mirror-sync: note: ${canonical.problem}`);

    try {
      const report = await syncMirror(config, recipe, {
        dryRun: values['dry-run'] === true,
        canonicalVersion,
        ...(values.json ? {} : { log: (line: string) => writeLine(context.stderr, line) }),
      });
      if (values.json) writeLine(context.stdout, JSON.stringify(report, null, 2));
      else for (const line of formatMirrorSyncReport(report)) writeLine(context.stdout, line);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof MirrorSyncError) {
        writeLine(context.stderr, `ccci mirror-sync: ${error.message}`);
        return EXIT.failed;
      }
      throw error;
    }
  },
};
