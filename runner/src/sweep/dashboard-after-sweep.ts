// After a sweep: the dashboard, if one is configured. It is a view of the state, never
// part of it, so it can never fail the sweep: any problem becomes a warning of the
// sweep report and the sweep's exit status stays what the recipes made it.
// The dashboard's code is loaded only when one is configured.
import type { Config } from '../config/config.js';
import { formatBytes } from '../text/format.js';
import type { Progress } from './progress.js';

/** Writes the dashboard; returns the warning to record when that failed, else null. */
export async function dashboardAfterSweep(config: Config, progress: Progress, now: Date): Promise<string | null> {
  const dir = config.dashboardDir;
  if (!dir) return null;
  try {
    const { writeDashboard } = await import('../dashboard/dashboard.js');
    const written = await writeDashboard(config, dir, { now });
    progress.line(`dashboard: ${written.dir} (${written.recipes} recipe(s), ${written.files} files, ${formatBytes(written.bytes)})`);
    return null;
  } catch (error) {
    const warning = `the dashboard in ${dir} could not be written (the sweep's outcome is unchanged): ${(error as Error).message}`;
    progress.line(`warning: ${warning}`);
    return warning;
  }
}
