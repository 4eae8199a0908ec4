import { readConfig } from '../../config/read-config.js';
import { required } from '../../config/resolve-config.js';
import { defaultSweepEffects } from '../../sweep/default-effects.js';
import { progressTo } from '../../sweep/progress.js';
import { renderSweepSummary } from '../../sweep/report.js';
import { sweep } from '../../sweep/sweep.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const sweepCommand: Command = {
  name: 'sweep',
  usage: 'sweep [--recipe R]... [--dry-run] [--retry-red] [--json]',
  summary: 'mirror sync, decide, run cold on a new tag and promote, for every enrolled recipe',
  async run(argv, context) {
    const { values } = parseCommandArgs(
      'sweep',
      argv,
      {
        recipe: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        'retry-red': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      false,
    );
    const config = await readConfig({ configFile: context.configFile, env: context.env });
    const dryRun = values['dry-run'] ?? false;
    if (!dryRun) {
      required(config, 'server');
      required(config, 'domain');
    }
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      writeLine(context.stderr, `ccci sweep: ${signal}: stopping after tearing down the running recipe`);
      controller.abort(new Error(`received ${signal}`));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Progress goes to stderr with --json so stdout stays one JSON document.
    const progress = progressTo(values.json ? context.stderr : context.stdout, { gatherLines: true });
    try {
      const outcome = await sweep(
        config,
        { recipes: values.recipe ?? [], dryRun, retryRed: values['retry-red'] ?? false, signal: controller.signal },
        defaultSweepEffects(),
        progress,
      );
      // What it has gathered goes out before the summary below.
      progress.close?.();
      if (outcome.kind === 'locked') {
        writeLine(context.stderr, `ccci sweep: another sweep holds the lock: ${outcome.holder}`);
        return EXIT.locked;
      }
      if (values.json) writeLine(context.stdout, JSON.stringify(outcome.report, null, 2));
      else {
        writeLine(context.stdout, renderSweepSummary(outcome.report));
        if (outcome.reportFile) writeLine(context.stdout, `report: ${outcome.reportFile}`);
      }
      return outcome.report.exitCode;
    } finally {
      progress.close?.();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
};
