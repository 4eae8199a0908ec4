// Mirror PRs already merged upstream: a PR whose head commit is contained in upstream
// main has nothing left to offer, so it is closed with a comment naming that commit.
// Every other PR is left exactly as it is.
import { ancestorsOf } from '../effects/git.js';
import type { GiteaClient, GiteaPull } from '../effects/gitea.js';
import type { ClosedPr } from './report.js';

export interface PullRequestVerdicts {
  toClose: ClosedPr[];
  kept: GiteaPull[];
}

/**
 * Sorts open PRs into those whose head commit is contained in upstream main and the
 * rest. The cache holds upstream main's whole history (fetched in full, never
 * shallow), so one walk of main answers for every PR, and a head the cache lacks
 * cannot be in main: there is no need to fetch refs/pull/N/head to answer "no".
 */
export async function judgePullRequests(
  gitDir: string,
  pulls: readonly GiteaPull[],
  upstreamMain: string,
): Promise<PullRequestVerdicts> {
  const verdicts: PullRequestVerdicts = { toClose: [], kept: [] };
  // Most nights no PR is open: no walk of main then.
  if (pulls.length === 0) return verdicts;
  const inMain = await ancestorsOf(gitDir, upstreamMain);
  for (const pull of [...pulls].sort((a, b) => a.number - b.number)) {
    if (inMain.has(pull.head.sha)) {
      verdicts.toClose.push({ number: pull.number, headSha: pull.head.sha, upstreamCommit: upstreamMain });
    } else {
      verdicts.kept.push(pull);
    }
  }
  return verdicts;
}

export function closingComment(pr: ClosedPr): string {
  return (
    `Closed by cc-ci mirror sync: this pull request's head commit ${pr.headSha} is already contained ` +
    `in upstream main (upstream commit ${pr.upstreamCommit}), so there is nothing left to merge here.`
  );
}

/** Comments first, then closes: a failure in between leaves an open PR that the next sync retries. */
export async function closePullRequest(client: GiteaClient, owner: string, repo: string, pr: ClosedPr): Promise<void> {
  await client.commentOnIssue(owner, repo, pr.number, closingComment(pr));
  await client.closePull(owner, repo, pr.number);
}
