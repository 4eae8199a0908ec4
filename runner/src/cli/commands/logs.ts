// ccci logs RECIPE|RUN-ID [--path]: the run log of a given run, or of a recipe's newest
// run (a sweep's or a `ccci run`), with credential-looking text redacted.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/config.js';
import { InputError } from '../../config/errors.js';
import { recipeNameProblem } from '../../core/names.js';
import { writeUnlessBroken } from '../../effects/output-stream.js';
import { isRunId, runExists, runLogPath, runsOfRecipe } from '../../status/runs.js';
import { redactSecrets } from '../../text/redact.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const logsCommand: Command = {
  name: 'logs',
  usage: 'logs RECIPE|RUN-ID [--path]',
  summary: "print the run log of a run, or of a recipe's newest run (--path: only where it is)",
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs('logs', argv, { path: { type: 'boolean' } });
    if (positionals.length !== 1) throw new InputError(`expected exactly one RECIPE or RUN-ID, got ${positionals.length}`);
    const wanted = positionals[0] as string;
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    let runId: string;
    if (await runExists(config.runsDir, wanted)) {
      runId = wanted;
    } else if (recipeNameProblem(wanted) === null) {
      const runs = await runsOfRecipe(config.runsDir, wanted);
      if (runs.length === 0) {
        writeLine(context.stderr, `ccci logs: no run of ${wanted} in ${config.runsDir} (and no run with that id)`);
        return EXIT.failed;
      }
      runId = runs[0] as string;
    } else {
      throw new InputError(
        `${JSON.stringify(wanted)} is neither a recipe name nor a run id${isRunId(wanted) ? ` in ${config.runsDir}` : ''}`,
      );
    }
    const file = runLogPath(config.runsDir, runId);
    if (values.path) {
      writeLine(context.stdout, file);
      return EXIT.ok;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      writeLine(context.stderr, `ccci logs: run ${runId} has no log: ${(error as NodeJS.ErrnoException).code ?? String(error)} (${file})`);
      return EXIT.failed;
    }
    writeLine(context.stderr, `==> ${file}`);
    // (`ccci logs X | head`: the reader going away ends nothing but the output.)
    writeUnlessBroken(context.stdout, redactSecrets(text));
    return EXIT.ok;
  },
};
