// The command table. Each command lives in its own file beside this one and is loaded
// only when it runs, so `ccci status` does not pay for the sweep's, the run's and the
// demo's imports. `ccci --help` loads none of them: it lists commandHelp, which holds
// each command's usage and summary as its file declares them (a test keeps the two equal,
// and requires an entry for every command).
import type { Command } from '../command.js';

export const commandLoaders: Readonly<Record<string, () => Promise<Command>>> = {
  sweep: async () => (await import('./sweep.js')).sweepCommand,
  run: async () => (await import('./run.js')).runCommand,
  status: async () => (await import('./status.js')).statusCommand,
  logs: async () => (await import('./logs.js')).logsCommand,
  dashboard: async () => (await import('./dashboard.js')).dashboardCommand,
  decide: async () => (await import('./decide.js')).decideCommand,
  'mirror-sync': async () => (await import('./mirror-sync.js')).mirrorSyncCommand,
  gc: async () => (await import('./gc.js')).gcCommand,
  versions: async () => (await import('./versions.js')).versionsCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
};

export type CommandHelp = Pick<Command, 'name' | 'usage' | 'summary'>;

export const commandHelp: readonly CommandHelp[] = [
  {
    name: 'sweep',
    usage: 'sweep [--recipe R]... [--dry-run] [--retry-red] [--json]',
    summary: 'mirror sync, decide, run cold on a new tag and promote, for every enrolled recipe',
  },
  {
    name: 'run',
    usage: 'run RECIPE [--ref REF | --tag TAG | --src DIR] [--quick] [--json]',
    summary: 'one recipe CI run (install, upgrade, backup, functional, lint); exit 0 green, 1 red or interrupted',
  },
  {
    name: 'status',
    usage: 'status [RECIPE] [--json]',
    summary: 'every enrolled recipe with its canonical, last attempt and snapshot size; or one RECIPE in full',
  },
  {
    name: 'logs',
    usage: 'logs RECIPE|RUN-ID [--path]',
    summary: "print the run log of a run, or of a recipe's newest run (--path: only where it is)",
  },
  {
    name: 'dashboard',
    usage: 'dashboard [--out DIR] [--json]',
    summary: 'write the static dashboard (HTML pages, badges, redacted run logs) to DIR or the configured dashboardDir',
  },
  {
    name: 'decide',
    usage: 'decide RECIPE [--retry-red] [--json]',
    summary: 'explain what the sweep would decide for one recipe, changing nothing',
  },
  {
    name: 'mirror-sync',
    usage: 'mirror-sync RECIPE [--dry-run] [--json]',
    summary: "make the recipe's mirror equal upstream (main and tags) and close PRs merged upstream",
  },
  {
    name: 'gc',
    usage: 'gc [--dry-run] [--json]',
    summary: 'remove what crashes left: temp files, promote work dirs, apps of dead runs, unnamed snapshots',
  },
  {
    name: 'versions',
    usage: 'versions sort|latest [TAG...]',
    summary: 'Sort release tags ascending (rejected tags named on stderr) or print the newest release; tags as arguments or one a line on stdin.',
  },
  {
    name: 'demo',
    usage: 'demo [--keep]',
    summary: 'run the real sweep in a self-contained sandbox (fixture repos, fake abra/docker/ingress)',
  },
];

export async function loadCommand(name: string): Promise<Command | null> {
  const load = Object.hasOwn(commandLoaders, name) ? commandLoaders[name] : undefined;
  return load ? load() : null;
}

export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
