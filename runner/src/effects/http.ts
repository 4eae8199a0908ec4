// Every HTTP request and TCP probe the runner makes to a deployed app. With an ingress
// configured, requests go there with the app's domain as Host header: `host:port` (or
// `http://host:port`) in plain HTTP (the fake ingress in tests), `https://host:port` in
// TLS with the app's domain as server name, its certificate checked for that domain (a
// local traefik on a CI box, with the wildcard certificate of the CI's domain; a private
// CA's certificate is trusted through NODE_EXTRA_CA_CERTS). Without one, to
// https://<domain>. Redirects are not followed: 301/302 are answers in their own right.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface HttpTarget {
  /** The app's domain (Host header, and the URL host when there is no ingress). */
  domain: string;
  /** The ingress ([http://|https://]host:port), or null for https://<domain>. */
  ingress: string | null;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export type HttpOutcome = { ok: true; answer: HttpAnswer } | { ok: false; error: string };

const MAX_BODY = 256 * 1024;

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
  if (!m) throw new Error(`${JSON.stringify(hostPort)} is not host:port`);
  return { host: m[1] as string, port: Number(m[2]) };
}

/** Where an ingress is, and whether it speaks TLS. */
export function splitIngress(ingress: string): { tls: boolean; host: string; port: number } {
  const scheme = /^(https?):\/\//.exec(ingress);
  return { tls: scheme?.[1] === 'https', ...splitHostPort(scheme ? ingress.slice(scheme[0].length) : ingress) };
}

/**
 * The base URL a functional test uses for the app: a plain-HTTP ingress's own address
 * (the app's domain goes as Host), else https://<domain> as a person would open it.
 */
export function baseUrl(target: HttpTarget): string {
  if (target.ingress === null || splitIngress(target.ingress).tls) return `https://${target.domain}`;
  const { host, port } = splitIngress(target.ingress);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function httpGet(target: HttpTarget, path: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const common = {
      method: 'GET',
      path,
      headers: { host: target.domain, 'user-agent': 'ccci', connection: 'close' },
      timeout: timeoutMs,
      ...(signal ? { signal } : {}),
    };
    let settled = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () =>
        finish({ ok: true, answer: { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') } }),
      );
      response.on('error', (error) => finish({ ok: false, error: error.message }));
    };
    let request: http.ClientRequest;
    if (target.ingress === null) {
      request = https.request({ ...common, host: target.domain, port: 443, servername: target.domain }, onResponse);
    } else {
      const { tls, host, port } = splitIngress(target.ingress);
      request = tls
        ? https.request({ ...common, host, port, servername: target.domain }, onResponse)
        : http.request({ ...common, host, port }, onResponse);
    }
    // A whole-request deadline: `timeout` above only covers socket idleness.
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => finish({ ok: false, error: error.message }));
    request.end();
  });
}

/** Whether a TCP connection to host:port opens within the timeout. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
