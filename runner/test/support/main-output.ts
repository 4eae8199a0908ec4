// `ccci` in process, as the bin runs it, with what it printed on each stream.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface MainOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main(argv) with exactly `env` (a caller that wants process.env passes it). */
export async function runMain(argv: string[], env: NodeJS.ProcessEnv): Promise<MainOutput> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { env, stdout, stderr, stdin: new PassThrough() });
  return { code, stdout: out, stderr: err };
}
