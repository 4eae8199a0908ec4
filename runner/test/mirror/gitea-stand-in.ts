// A local stand-in for the mirror's Gitea API v1 (node:http on 127.0.0.1, port 0):
// the pull request list (paged), issue comments and PR closing, with the token checked
// on every request. Tests read `requests` to see exactly what was asked of it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInPull {
  number: number;
  state: 'open' | 'closed';
  head: { sha: string; ref: string };
  title: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export interface GiteaStandIn {
  /** API base for config.mirror.api, e.g. http://127.0.0.1:PORT/api/v1 */
  api: string;
  pulls: StandInPull[];
  comments: { index: number; body: string }[];
  requests: RecordedRequest[];
  /** Answer every request matching `match` with this status (and a plain error body). */
  failWith: { status: number; match?: (method: string, path: string) => boolean } | null;
  /** The server's own cap on page size (Gitea's MAX_RESPONSE_ITEMS). */
  maxPageSize: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startGiteaStandIn(options: { token: string; owner: string; repo: string }): Promise<GiteaStandIn> {
  const prefix = `/api/v1/repos/${options.owner}/${options.repo}`;
  const standIn: Omit<GiteaStandIn, 'api' | 'close'> = {
    pulls: [],
    comments: [],
    requests: [],
    failWith: null,
    maxPageSize: 50,
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const text = await readBody(request);
      const method = request.method ?? 'GET';
      standIn.requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.authorization,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      if (request.headers.authorization !== `token ${options.token}`) {
        send(response, 401, { message: 'token is required' });
        return;
      }
      const fail = standIn.failWith;
      if (fail && (!fail.match || fail.match(method, url.pathname))) {
        send(response, fail.status, { message: 'stand-in failure' });
        return;
      }
      if (method === 'GET' && url.pathname === `${prefix}/pulls`) {
        const state = url.searchParams.get('state') ?? 'open';
        const page = Number(url.searchParams.get('page') ?? '1');
        const limit = Math.min(Number(url.searchParams.get('limit') ?? '30'), standIn.maxPageSize);
        const matching = standIn.pulls.filter((p) => state === 'all' || p.state === state);
        send(response, 200, matching.slice((page - 1) * limit, page * limit));
        return;
      }
      const comment = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(url.pathname);
      if (method === 'POST' && comment) {
        const index = Number(comment[1]);
        const body = (JSON.parse(text) as { body: string }).body;
        standIn.comments.push({ index, body });
        send(response, 201, { id: standIn.comments.length, body });
        return;
      }
      const pull = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(url.pathname);
      if (method === 'PATCH' && pull) {
        const found = standIn.pulls.find((p) => p.number === Number(pull[1]));
        if (!found) {
          send(response, 404, { message: 'not found' });
          return;
        }
        const wanted = (JSON.parse(text) as { state?: string }).state;
        if (wanted === 'closed' || wanted === 'open') found.state = wanted;
        send(response, 201, found);
        return;
      }
      send(response, 404, { message: `no route ${method} ${url.pathname}` });
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const result = standIn as GiteaStandIn;
  result.api = `http://127.0.0.1:${port}/api/v1`;
  result.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return result;
}
