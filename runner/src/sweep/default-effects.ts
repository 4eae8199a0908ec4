// The real effects of a sweep: mirror sync (src/mirror, which also answers the tags of
// the synced cache clone), the cold recipe CI run (src/run), the gate's last look at the
// tag upstream, and the promote (./promote).
import { syncMirror } from '../mirror/sync.js';
import { upstreamTagCommit } from '../mirror/upstream-tag.js';
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
        // The mirror's tags; on a dry run, which leaves the cache's record of the mirror
        // alone, upstream's.
        tags: report.tags,
        warnings: [
          ...report.warnings.map(describeMirrorWarning),
          ...report.closedPrs.map((pr) => `closed mirror PR #${pr.number} (merged upstream)`),
        ],
      };
    },
    runRecipeCi: (request) => runRecipeCi(request),
    upstreamTagCommit: (config, recipe, tag) => upstreamTagCommit(config, recipe, tag),
    promote: (request) => promote(request),
  };
}
