// ccci status [RECIPE] [--json]: every enrolled recipe in a table, or one recipe in full.
// The one-recipe view is loaded only when asked for: the table is the hot path.
import { readConfig } from '../../config/read-config.js';
import { InputError } from '../../config/errors.js';
import { renderStatus } from '../../status/render.js';
import { collectStatus } from '../../status/status.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [RECIPE] [--json]',
  summary: 'every enrolled recipe with its canonical, last attempt and snapshot size; or one RECIPE in full',
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs('status', argv, { json: { type: 'boolean' } });
    if (positionals.length > 1) throw new InputError(`expected at most one RECIPE, got ${positionals.length}`);
    const config = await readConfig({ configFile: context.configFile, env: context.env });
    const recipe = positionals[0];
    if (recipe !== undefined) {
      const [{ collectRecipeDetail }, { renderRecipeDetail }] = await Promise.all([
        import('../../status/recipe-detail.js'),
        import('../../status/render-detail.js'),
      ]);
      const detail = await collectRecipeDetail(config, recipe);
      writeLine(context.stdout, values.json ? JSON.stringify(detail, null, 2) : renderRecipeDetail(detail));
      return EXIT.ok;
    }
    const report = await collectStatus(config);
    writeLine(context.stdout, values.json ? JSON.stringify(report, null, 2) : renderStatus(report));
    return EXIT.ok;
  },
};
