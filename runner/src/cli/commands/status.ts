import { readConfig } from '../../config/read-config.js';
import { renderStatus } from '../../status/render.js';
import { collectStatus } from '../../status/status.js';
import { EXIT, parseCommandArgs, writeLine, type Command } from '../command.js';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [--json]',
  summary: 'every enrolled recipe with its canonical, last attempt and snapshot size',
  async run(argv, context) {
    const { values } = parseCommandArgs('status', argv, { json: { type: 'boolean' } }, false);
    const config = await readConfig({ configFile: context.configFile, env: context.env });
    const report = await collectStatus(config);
    writeLine(context.stdout, values.json ? JSON.stringify(report, null, 2) : renderStatus(report));
    return EXIT.ok;
  },
};
