// The real effects of a sweep: mirror sync (src/mirror, which also answers the tags of
// the synced cache clone), the cold recipe CI run (src/run), the gate's last look at the
// tag upstream, and the promote (./promote). The run, the tag look-up and the promote are
// loaded when a recipe first needs one: a night with nothing new loads none of them.
import { listAhead } from '../mirror/listings-ahead.js';
import { syncMirror } from '../mirror/sync.js';
import type { SweepEffects } from './effects.js';

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
    listAhead,
    runRecipeCi: async (request) => (await import('../run/run.js')).runRecipeCi(request),
    upstreamTagCommit: async (config, recipe, tag) => (await import('../mirror/upstream-tag.js')).upstreamTagCommit(config, recipe, tag),
    promote: async (request) => (await import('./promote.js')).promote(request),
  };
}
