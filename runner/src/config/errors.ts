import type { z } from 'zod';

/** Bad input from outside (config, recipe definition, command line): exit 2, nothing changed. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

type Issue = z.ZodError['issues'][number];

/**
 * A value that matches none of a union's forms: when exactly one form got past its own
 * keys (its problems are all deeper inside it), that is the form meant, and its problems
 * say what is wrong; otherwise the union's own message (which names the forms) does.
 */
function unionProblems(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const meant = issue.errors.filter((branch) => branch.length > 0 && branch.every((inner) => inner.path.length >= 2));
  if (meant.length !== 1) return [issue];
  return (meant[0] as Issue[]).flatMap((inner) => unionProblems({ ...inner, path: [...issue.path, ...inner.path] } as Issue));
}

/** "<where>: <key>: <what was expected>", one line per problem zod found. */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .flatMap(unionProblems)
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const prefix = issue.path.length > 0 ? `${key}.` : '';
        return issue.keys.map((k) => `${where}: ${prefix}${k}: unknown key`).join('\n');
      }
      return `${where}: ${key}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * The command could not do its work for a reason it explains completely (a full disk,
 * a busy app domain): the CLI prints the message, no stack trace, and exits 1, or 75
 * when `kind` is 'locked' (someone else holds what it needs; try again later).
 */
export class OperationError extends Error {
  constructor(
    message: string,
    readonly kind: 'failed' | 'locked' = 'failed',
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/**
 * A signal (SIGTERM, SIGINT: systemd stop, a reboot, ^C) stopped the work before it had a
 * result to report, e.g. a run while it staged its checkout, before its first rung:
 * nothing was deployed. Neither green nor red: the CLI exits 1, the sweep reports the
 * recipe interrupted (never remembered as red).
 */
export class InterruptedError extends OperationError {
  constructor(message: string) {
    super(message, 'failed');
    this.name = 'InterruptedError';
  }
}
