// The mirror's Gitea API (v1): the few calls mirror sync makes, each answer checked
// with zod. The token travels in the Authorization header only; no error message,
// URL or log line built here contains it.
import { z } from 'zod';

/** How long one API request may take before it is abandoned. */
export const GITEA_TIMEOUT_MS = 30_000;
/** Page size asked for; the server may cap it lower, so paging stops at an empty page. */
export const GITEA_PAGE_LIMIT = 50;
/** A runaway server (a page that never comes back empty) is cut off here. */
const MAX_PAGES = 200;

const objectId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a commit id');

export const giteaPullSchema = z.object({
  number: z.number().int().positive(),
  state: z.string(),
  title: z.string().optional(),
  html_url: z.string().optional(),
  head: z.object({ sha: objectId, ref: z.string().optional() }),
});
export type GiteaPull = z.infer<typeof giteaPullSchema>;

const pullListSchema = z.array(giteaPullSchema);
const commentSchema = z.object({ id: z.number().int() });

/** An API call that failed: the method, path (never the token) and what went wrong. */
export class GiteaApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'GiteaApiError';
  }
}

export interface GiteaClientOptions {
  /** API base, e.g. https://git.example.org/api/v1 (no trailing slash). */
  api: string;
  token: string;
  timeoutMs?: number;
}

export interface GiteaClient {
  /** Every open pull request of owner/repo, all pages. */
  listOpenPulls(owner: string, repo: string): Promise<GiteaPull[]>;
  commentOnIssue(owner: string, repo: string, index: number, body: string): Promise<void>;
  closePull(owner: string, repo: string, index: number): Promise<void>;
}

function repoPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

export function createGiteaClient(options: GiteaClientOptions): GiteaClient {
  if (/[\x00-\x20\x7f]/.test(options.token)) throw new Error('the token contains whitespace or control characters');
  const base = options.api.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? GITEA_TIMEOUT_MS;

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    const where = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `token ${options.token}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // A redirect could carry the header elsewhere; the API never needs one.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.message ?? (error as Error).message);
      throw new GiteaApiError(method, path, null, `${where}: request failed: ${reason}`);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? ' (is the mirror token valid and allowed to do this?)' : '';
      const detail = text.trim().slice(0, 200).replace(/\s+/g, ' ');
      throw new GiteaApiError(method, path, response.status, `${where}: HTTP ${response.status} ${response.statusText}${hint}${detail ? `: ${detail}` : ''}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new GiteaApiError(method, path, response.status, `${where}: the answer is not JSON`);
    }
  }

  function parsed<T>(schema: z.ZodType<T>, value: unknown, method: string, path: string): T {
    const result = schema.safeParse(value);
    if (!result.success) {
      const detail = result.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`)
        .join('; ');
      throw new GiteaApiError(method, path, null, `${method} ${path}: unexpected answer: ${detail}`);
    }
    return result.data;
  }

  return {
    async listOpenPulls(owner, repo) {
      const pulls: GiteaPull[] = [];
      const seen = new Set<number>();
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const path = `${repoPath(owner, repo)}/pulls?state=open&page=${page}&limit=${GITEA_PAGE_LIMIT}`;
        const batch = parsed(pullListSchema, await request('GET', path), 'GET', path);
        if (batch.length === 0) return pulls;
        for (const pull of batch) {
          // A list that shifts while it is paged can repeat an entry; count each PR once.
          if (seen.has(pull.number)) continue;
          seen.add(pull.number);
          pulls.push(pull);
        }
      }
      throw new GiteaApiError('GET', `${repoPath(owner, repo)}/pulls`, null, `GET ${repoPath(owner, repo)}/pulls: more than ${MAX_PAGES} pages of open pull requests`);
    },
    async commentOnIssue(owner, repo, index, body) {
      const path = `${repoPath(owner, repo)}/issues/${index}/comments`;
      parsed(commentSchema, await request('POST', path, { body }), 'POST', path);
    },
    async closePull(owner, repo, index) {
      const path = `${repoPath(owner, repo)}/pulls/${index}`;
      const pull = parsed(giteaPullSchema, await request('PATCH', path, { state: 'closed' }), 'PATCH', path);
      if (pull.state !== 'closed') {
        throw new GiteaApiError('PATCH', path, null, `PATCH ${path}: the pull request is still ${pull.state} after closing`);
      }
    },
  };
}
