import { readConfig } from '../../config/read-config.js';
import { InputError } from '../../config/errors.js';
import { readTrustedCanonical } from '../../registry/record-check.js';
import { defaultSweepEffects } from '../../sweep/default-effects.js';
import { canonicalTagMove, decideRecipe, describeTagMove, tagCommitsOf } from '../../sweep/decision-input.js';
import { loadEnrolled } from '../../config/enrollment.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const decideCommand: Command = {
  name: 'decide',
  usage: 'decide RECIPE [--retry-red] [--json]',
  summary: 'explain what the sweep would decide for one recipe, changing nothing',
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs('decide', argv, {
      json: { type: 'boolean' },
      'retry-red': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new InputError(`expected exactly one RECIPE, got ${positionals.length}`);
    const config = await readConfig({ configFile: context.configFile, env: context.env });
    const [recipe] = await loadEnrolled(config, positionals, { selectedBy: 'recipe' });
    if (!recipe) throw new InputError('no recipe');
    const effects = defaultSweepEffects();
    const read = await readTrustedCanonical(config.stateDir, recipe.name, config.domain, {
      allowPrereleases: recipe.definition.allowPrereleases,
    });
    const synced = await effects.syncMirror(config, recipe.name, {
      dryRun: true,
      canonicalVersion: read.state === 'present' ? read.record.version : null,
    });
    const decision = await decideRecipe(config.stateDir, recipe, read, synced.tags, values['retry-red'] ?? false);
    const moved = read.state === 'present' ? canonicalTagMove(read.record, tagCommitsOf(synced.tags)) : null;
    if (moved) synced.warnings.push(describeTagMove(moved));
    if (values.json) {
      writeLine(context.stdout, JSON.stringify({ recipe: recipe.name, ...decision, warnings: synced.warnings }, null, 2));
    } else {
      writeLine(context.stdout, `${recipe.name}: ${decision.reason}`);
      for (const warning of synced.warnings) writeLine(context.stdout, `warning: ${warning}`);
      for (const rejected of decision.rejectedTags) {
        writeLine(context.stdout, `not a release tag: ${rejected.tag} (${rejected.reason})`);
      }
    }
    return decision.action === 'error' ? EXIT.failed : EXIT.ok;
  },
};
