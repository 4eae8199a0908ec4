// ccci run RECIPE [--ref REF | --tag TAG | --src DIR] [--quick] [--json]
// One recipe CI run by hand. Exit 0 green, 1 red or interrupted, 2 could not run (bad input:
// nothing left behind), 75 the app domain is busy (nothing left behind).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, repoUrl, type Config } from '../../config/config.js';
import { InputError } from '../../config/errors.js';
import { loadRecipeDefinition } from '../../config/recipe-definition.js';
import { LADDER } from '../../core/ladder.js';
import { recipeNameProblem, refNameProblem } from '../../core/names.js';
import { cacheClonePath } from '../../mirror/cache.js';
import { readTrustedCanonical } from '../../registry/record-check.js';
import type { RunResult } from '../../run/result.js';
import { runRecipeCi } from '../../run/run.js';
import type { RunSource } from '../../run/stage.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';
import { formatDuration, shortCommit, table } from '../../text/format.js';

/**
 * The exit status of a run that has a result: 0 only for a green run that ran to its end.
 * A run a signal stopped is 1 whatever its rungs said so far (stopped during lint, which
 * is advisory, or during teardown, its verdict may read green): it is not a green run.
 */
export function exitStatusOf(result: Pick<RunResult, 'outcome'>): number {
  return result.outcome === 'green' ? EXIT.ok : EXIT.failed;
}

export function renderRunSummary(result: RunResult): string {
  const lines = [
    `${result.recipe} ${result.version} (${shortCommit(result.commit)}, ref ${result.ref}) ${result.mode} run on ${result.domain}`,
  ];
  if (result.fellBackToCold) lines.push(`note: ${result.fellBackToCold}`);
  lines.push(`upgrade base: ${result.base.version ?? 'none'} (${result.base.rule}: ${result.base.reason})`);
  lines.push(
    table(
      ['RUNG', 'STATUS', 'TIME', 'REASON'],
      result.rungs.map((r) => [`L${LADDER.indexOf(r.rung) + 1} ${r.rung}`, r.status, formatDuration(r.durationMs), r.reason]),
    ),
  );
  if (!result.teardown.ok) lines.push(`teardown problems: ${result.teardown.problems.join('; ')}`);
  if (result.outcome === 'interrupted') {
    // Said last, where the verdict would be: the rungs' verdict so far is no verdict on the recipe.
    lines.push(
      `interrupted: ${result.interrupted ?? 'stopped by a signal'}; neither green nor red ` +
        `(level ${result.level} so far, the rungs that ran: ${result.verdictReason})`,
    );
  } else {
    // A run cut short by its own deadline is red, with that reason.
    if (result.interrupted) lines.push(`cut short: ${result.interrupted}`);
    lines.push(`level ${result.level}, ${result.verdict}: ${result.verdictReason}`);
  }
  lines.push(`results: ${path.join(result.runDir, 'results.json')}`);
  return lines.join('\n');
}

function sourceOf(
  config: Config,
  recipe: string,
  values: { ref?: string | undefined; tag?: string | undefined; src?: string | undefined },
  env: NodeJS.ProcessEnv,
): RunSource {
  const chosen = [values.ref, values.tag, values.src].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new InputError('give at most one of --ref, --tag and --src');
  if (values.src !== undefined) {
    const dir = path.resolve(values.src);
    if (!existsSync(path.join(dir, 'compose.yml'))) throw new InputError(`--src ${values.src}: no compose.yml there`);
    return { kind: 'dir', dir };
  }
  const ref = values.ref ?? values.tag ?? 'HEAD';
  if (ref !== 'HEAD') {
    const problem = refNameProblem(ref);
    if (problem) throw new InputError(`--${values.tag !== undefined ? 'tag' : 'ref'}: ${problem}`);
  }
  if (env.CCCI_SKIP_FETCH === '1') {
    // Use the sweep's cache clone as it is: no network.
    const cache = cacheClonePath(config.cacheDir, recipe);
    if (!existsSync(cache)) {
      throw new InputError(`CCCI_SKIP_FETCH=1 but there is no cache clone at ${cache} (run ccci mirror-sync ${recipe} first)`);
    }
    return { kind: 'git', url: cache, ref: values.tag !== undefined ? `refs/tags/${ref}` : ref };
  }
  const url = repoUrl(config.mirror?.url ?? config.upstream, recipe);
  return { kind: 'git', url, ref: values.tag !== undefined ? `refs/tags/${ref}` : ref };
}

export const runCommand: Command = {
  name: 'run',
  usage: 'run RECIPE [--ref REF | --tag TAG | --src DIR] [--quick] [--json]',
  summary: 'one recipe CI run (install, upgrade, backup, functional, lint); exit 0 green, 1 red or interrupted',
  details: [
    'Exit status: 0 green; 1 red, or interrupted (SIGTERM or SIGINT: the run stops, tears',
    'down and says "interrupted", whatever its rungs said so far); 2 bad input (an unknown',
    'ref, a missing or unparseable compose.yml, ...); 75 another run or promote holds the',
    'app domain. A run refused (2, 75), or stopped before its first rung, leaves no run',
    'directory behind.',
  ].join('\n'),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs('run', argv, {
      ref: { type: 'string' },
      tag: { type: 'string' },
      src: { type: 'string' },
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new InputError(`expected exactly one RECIPE, got ${positionals.length}`);
    const recipe = positionals[0] as string;
    const nameProblem = recipeNameProblem(recipe);
    if (nameProblem) throw new InputError(nameProblem);
    const config = loadConfig({ configFile: context.configFile, env: context.env });
    const definition = await loadRecipeDefinition(config.repo, recipe, config.recipes[recipe] ?? {});
    const source = sourceOf(config, recipe, values, context.env);
    // The same checks as the sweep's: a record for another domain, or whose snapshot is
    // missing, is never deployed or restored from.
    const canonical = await readTrustedCanonical(config.stateDir, recipe, config.domain, {
      allowPrereleases: definition.allowPrereleases,
    });
    if (canonical.state === 'invalid') throw new InputError(`canonical record of ${recipe}: ${canonical.problem}`);

    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      writeLine(context.stderr, `ccci run: ${signal}: stopping, tearing down`);
      controller.abort(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      const result = await runRecipeCi({
        config,
        recipe,
        definition,
        source,
        mode: values.quick ? 'quick' : 'cold',
        prRef: null,
        canonical: canonical.state === 'present' ? canonical.record : null,
        tags: [],
        signal: controller.signal,
        log: (line) => writeLine(context.stderr, line),
      });
      writeLine(context.stdout, values.json ? JSON.stringify(result, null, 2) : renderRunSummary(result));
      return exitStatusOf(result);
    } finally {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    }
  },
};
