// The command table. Each command lives in its own file beside this one and is loaded
// only when it runs (or for --help), so `ccci status` does not pay for the sweep's,
// the run's and the demo's imports.
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

export async function loadCommand(name: string): Promise<Command | null> {
  const load = Object.hasOwn(commandLoaders, name) ? commandLoaders[name] : undefined;
  return load ? load() : null;
}

export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
