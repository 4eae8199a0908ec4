#!/usr/bin/env node
// ccci: the cc-ci canonical sweep command line.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../config/errors.js';
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
    'Usage: ccci [--config FILE] <command> [options]',
    '',
    ...list.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration: --config FILE or CCCI_CONFIG (JSON), then CCCI_REPO, CCCI_STATE_DIR,',
    'CCCI_RUNS_DIR, CCCI_CACHE_DIR, ABRA_DIR, then defaults.',
    'Exit status: 0 all good; 1 red run, failed promote or errored recipe;',
    '2 bad invocation or configuration (nothing changed); 75 another sweep holds the lock.',
  ].join('\n');
}

export async function main(argv: string[], context: Omit<CommandContext, 'configFile'>): Promise<number> {
  const args = [...argv];
  let configFile: string | undefined;
  while (args[0]?.startsWith('--config')) {
    const first = args.shift() as string;
    if (first === '--config') configFile = args.shift();
    else if (first.startsWith('--config=')) configFile = first.slice('--config='.length);
    else {
      args.unshift(first);
      break;
    }
    if (!configFile) {
      writeLine(context.stderr, 'ccci: --config needs a file');
      return EXIT.usage;
    }
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
    writeLine(context.stdout, `Usage: ccci ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return await command.run(args, { ...context, configFile });
  } catch (error) {
    if (error instanceof InputError) {
      writeLine(context.stderr, `ccci ${command.name}: ${error.message}`);
      return EXIT.usage;
    }
    writeLine(context.stderr, `ccci ${command.name}: ${(error as Error).stack ?? String(error)}`);
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
