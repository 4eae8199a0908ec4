#!/usr/bin/env node
// ccci: the cc-ci canonical sweep command line.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, OperationError } from '../config/errors.js';
import { EXIT, type CommandContext, writeLine } from './command.js';
import { commandHelp, loadCommand, type CommandHelp } from './commands/index.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function helpText(list: readonly CommandHelp[]): string {
  const width = Math.max(...list.map((c) => c.usage.length));
  return [
    'ccci: keeps a tested, known-good canonical per Co-op Cloud recipe',
    '',
    'Usage: ccci <command> [options] [--config FILE]   (--config may come before or after the command)',
    '',
    ...list.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration: --config FILE or CCCI_CONFIG (JSON), then CCCI_REPO, CCCI_STATE_DIR,',
    'CCCI_RUNS_DIR, CCCI_CACHE_DIR, ABRA_DIR, then defaults.',
    'Exit status: 0 all good; 1 red run, failed promote, errored recipe, or an interrupted',
    'sweep or run (SIGTERM, SIGINT); 2 bad invocation or configuration (nothing changed);',
    '75 another sweep holds the lock (for ccci run: another run holds the app domain).',
  ].join('\n');
}

/**
 * Takes the global `--config FILE` (or `--config=FILE`) out of argv, wherever it is:
 * `ccci --config F run R` and `ccci run R --config F` mean the same. Arguments after `--`
 * are left alone.
 */
export function takeGlobalOptions(argv: readonly string[]): { configFile: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === '--config') {
      value = argv[i + 1];
      i += 1;
      if (value === undefined || value === '' || value.startsWith('-')) throw new InputError('--config needs a file');
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
      if (value === '') throw new InputError('--config needs a file');
    } else {
      rest.push(arg);
      continue;
    }
    if (configFile !== undefined && configFile !== value) {
      throw new InputError(`--config given twice (${JSON.stringify(configFile)} and ${JSON.stringify(value)})`);
    }
    configFile = value;
  }
  return { configFile, rest };
}

/** The command word of argv (the first argument that is neither an option nor --config's value), if any. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') return undefined;
    if (arg === '--config') i += 1;
    else if (!arg.startsWith('-')) return /^[a-z][a-z-]*$/.test(arg) ? arg : undefined;
  }
  return undefined;
}

/** "ccci run: ccci run: x" never: a message that already names the command keeps one prefix. */
export function errorLine(command: string, message: string): string {
  const prefix = `ccci ${command}: `;
  let text = message;
  while (text.startsWith(prefix)) text = text.slice(prefix.length);
  return `${prefix}${text}`;
}

export async function main(argv: string[], context: Omit<CommandContext, 'configFile'>): Promise<number> {
  let args: string[];
  let configFile: string | undefined;
  try {
    ({ configFile, rest: args } = takeGlobalOptions(argv));
  } catch (error) {
    // Named for the command it came with, as every other error is.
    const named = commandWord(argv);
    writeLine(context.stderr, named ? errorLine(named, (error as Error).message) : `ccci: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const name = args.shift();
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? context.stderr : context.stdout, helpText(commandHelp));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    writeLine(context.stdout, `ccci ${packageVersion()}`);
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    writeLine(context.stderr, `ccci: unknown command ${JSON.stringify(name)} (see ccci --help)`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    writeLine(context.stdout, `Usage: ccci ${command.usage}\n\n${command.summary}${command.details ? `\n\n${command.details}` : ''}`);
    return EXIT.ok;
  }
  try {
    return await command.run(args, { ...context, configFile });
  } catch (error) {
    if (error instanceof InputError) {
      writeLine(context.stderr, errorLine(command.name, error.message));
      return EXIT.usage;
    }
    if (error instanceof OperationError) {
      writeLine(context.stderr, errorLine(command.name, error.message));
      return error.kind === 'locked' ? EXIT.locked : EXIT.failed;
    }
    writeLine(context.stderr, errorLine(command.name, (error as Error).stack ?? String(error)));
    return EXIT.failed;
  }
}

// Run when executed directly (the bin, possibly through a symlink), not when imported by tests.
function invokedDirectly(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  const code = await main(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
  process.exitCode = code;
}
