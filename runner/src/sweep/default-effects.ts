// The real effects of a sweep: mirror sync (src/mirror), tags of the synced cache clone
// (src/effects/git), the cold recipe CI run (src/run) and the promote (./promote).
import { listTags } from '../effects/git.js';
import { syncMirror } from '../mirror/sync.js';
import { runRecipeCi } from '../run/run.js';
import type { SweepEffects } from './effects.js';
import { promote } from './promote.js';

export function describeMirrorWarning(warning: { code: string; message: string }): string {
  return `${warning.code}: ${warning.message}`;
}

export function defaultSweepEffects(): SweepEffects {
  return {
    async syncMirror(config, recipe, options) {
      const report = await syncMirror(config, recipe, options);
      return {
        repoDir: report.cacheDir,
        // A dry run leaves the cache's record of the mirror alone: decide from upstream's tags.
        tags: await listTags(report.cacheDir, options.dryRun ? 'refs/upstream/tags/' : 'refs/tags/'),
        warnings: [
          ...report.warnings.map(describeMirrorWarning),
          ...report.closedPrs.map((pr) => `closed mirror PR #${pr.number} (merged upstream)`),
        ],
      };
    },
    runRecipeCi: (request) => runRecipeCi(request),
    promote: (request) => promote(request),
  };
}
