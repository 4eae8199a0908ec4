// ccci status [RECIPE] [--json]: every enrolled recipe in a table, or one recipe in full.
import { loadConfig } from '../../config/config.js';
import { InputError } from '../../config/errors.js';
import { collectRecipeDetail } from '../../status/recipe-detail.js';
import { renderRecipeDetail } from '../../status/render-detail.js';
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
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    const recipe = positionals[0];
    if (recipe !== undefined) {
      const detail = await collectRecipeDetail(config, recipe);
      writeLine(context.stdout, values.json ? JSON.stringify(detail, null, 2) : renderRecipeDetail(detail));
      return EXIT.ok;
    }
    const report = await collectStatus(config);
    writeLine(context.stdout, values.json ? JSON.stringify(report, null, 2) : renderStatus(report));
    return EXIT.ok;
  },
};
