import { runDemo } from '../../demo/demo.js';
import { parseCommandArgs, type Command } from '../command.js';

export const demoCommand: Command = {
  name: 'demo',
  usage: 'demo [--keep]',
  summary: 'run the real sweep in a self-contained sandbox (fixture repos, fake abra/docker/ingress)',
  async run(argv, context) {
    const { values } = parseCommandArgs('demo', argv, { keep: { type: 'boolean' } }, false);
    return runDemo(context.stdout, { keep: values.keep ?? false });
  },
};
