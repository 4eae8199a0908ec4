// ccci versions sort|latest [TAG...]: the release-tag order of the sweep, on the command line.
import { InputError } from '../../config/errors.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';
import { latestRelease, sortTags } from '../../core/versions.js';

const MODES = ['sort', 'latest'] as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One tag a line; blank lines (and the one after a final newline) are not tags. */
function tagLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line !== '');
}

export const versionsCommand: Command = {
  name: 'versions',
  usage: 'versions sort|latest [TAG...]',
  summary:
    'Sort release tags ascending (rejected tags named on stderr) or print the newest release; tags as arguments or one a line on stdin.',
  async run(argv, ctx) {
    const { positionals } = parseCommandArgs('versions', argv, {});
    const [mode, ...given] = positionals;
    if (mode === undefined) throw new InputError(`missing mode: expected one of ${MODES.join(', ')}`);
    if (mode !== 'sort' && mode !== 'latest') {
      throw new InputError(`unknown mode ${JSON.stringify(mode)}: expected one of ${MODES.join(', ')}`);
    }
    const tags = given.length > 0 ? given : tagLines(await readAll(ctx.stdin));

    if (mode === 'sort') {
      const { sorted, rejected } = sortTags(tags);
      for (const version of sorted) writeLine(ctx.stdout, version.tag);
      for (const { tag, reason } of rejected) writeLine(ctx.stderr, `rejected ${JSON.stringify(tag)}: ${reason}`);
      return EXIT.ok;
    }
    const latest = latestRelease(tags);
    if (latest === null) {
      writeLine(ctx.stderr, `no release among ${tags.length} tag${tags.length === 1 ? '' : 's'}`);
      return EXIT.failed;
    }
    writeLine(ctx.stdout, latest.tag);
    return EXIT.ok;
  },
};
