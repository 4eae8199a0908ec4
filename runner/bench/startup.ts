// Phase "startup": what a person waits for at the prompt, against `node -e 0`, at N
// recipes with a year of history each (after one sweep, as on night 366):
//   ccci status   reads every recipe's canonical and current state
//   ccci --help   reads nothing
import { createSandbox } from './fixture.js';
import { BenchInvalid, paired, runChecked, type PairedResult, type Sample } from './measure.js';
import { ccciEnv, MAIN_JS, sweepChild } from './noop-sweep.js';

export interface StartupResult {
  recipes: number;
  nights: number;
  status: PairedResult;
  help: PairedResult;
}

const nodeBare = (): Promise<Sample> => runChecked('node -e 0', { argv: [process.execPath, '-e', '0'] });

export async function measureStartup(
  options: { recipes: number; nights: number; runs: number },
  log: (line: string) => void,
): Promise<StartupResult> {
  log(`startup at N=${options.recipes}, ${options.nights} nights: setting up …`);
  const sandbox = await createSandbox({ recipes: options.recipes, mirror: false, nights: options.nights });
  try {
    await sweepChild(sandbox, 'sweep before status');
    const status = async (): Promise<Sample> => {
      const run = await runChecked('ccci status', {
        argv: [process.execPath, MAIN_JS, '--config', sandbox.configFile, 'status'],
        cwd: sandbox.root,
        env: ccciEnv(),
        keepStdout: true,
      });
      const rows = run.stdout.split('\n').filter((line) => line.startsWith('bench-')).length;
      if (rows !== sandbox.recipes.length) throw new BenchInvalid(`ccci status showed ${rows} recipe rows, not ${sandbox.recipes.length}`);
      return run;
    };
    const help = async (): Promise<Sample> => {
      const run = await runChecked('ccci --help', {
        argv: [process.execPath, MAIN_JS, '--help'],
        env: ccciEnv(),
        keepStdout: true,
      });
      if (!run.stdout.includes('Usage: ccci')) throw new BenchInvalid('ccci --help printed no usage');
      return run;
    };
    log('ccci status against node -e 0 …');
    const statusResult = await paired(options.runs, nodeBare, status, log);
    log('ccci --help against node -e 0 …');
    const helpResult = await paired(options.runs, nodeBare, help, log);
    return { recipes: options.recipes, nights: options.nights, status: statusResult, help: helpResult };
  } finally {
    await sandbox.cleanup();
  }
}
