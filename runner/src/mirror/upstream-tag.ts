// The commit a tag names upstream right now, asked of upstream itself (one ls-remote of
// that one ref): the gate's last look before a promote.
import { repoUrl, type Config } from '../config/config.js';
import { gitBaseEnv, lsRemotePeeled } from '../effects/git.js';

export async function upstreamTagCommit(config: Config, recipe: string, tag: string): Promise<string | null> {
  const ref = `refs/tags/${tag}`;
  const listing = await lsRemotePeeled(repoUrl(config.upstream, recipe), gitBaseEnv(), [ref]);
  const listed = listing.refs.find((r) => r.ref === ref);
  if (!listed) return null;
  return listing.peeled.get(ref) ?? listed.oid;
}
