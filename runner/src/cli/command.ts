// What every `ccci` subcommand is: a function of its arguments to an exit status.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../config/errors.js';
import { writeUnlessBroken } from '../effects/output-stream.js';

export const EXIT = {
  ok: 0,
  /** a recipe was red, a promote failed, a recipe errored or the sweep was interrupted (sweep) / the run was red or interrupted (run) */
  failed: 1,
  /** bad invocation or configuration; nothing changed */
  usage: 2,
  /** another sweep holds the lock (EX_TEMPFAIL) */
  locked: 75,
} as const;

export interface CommandContext {
  /** Global `--config FILE`, already taken out of argv. */
  configFile: string | undefined;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** More for `ccci COMMAND --help` than the one-line summary (exit statuses, …), if any. */
  details?: string;
  run(argv: string[], context: CommandContext): Promise<number>;
}

/**
 * node:util parseArgs, with its errors turned into InputError (exit 2). The message is
 * not prefixed: main() puts `ccci <command>: ` in front of every error, once.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  _command: string,
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  // (A stream whose reader went away stops being written to; the command goes on.)
  writeUnlessBroken(stream, `${line}\n`);
}
