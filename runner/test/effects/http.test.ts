// The runner's requests to an app through the ingress: plain HTTP to `host:port` or
// `http://host:port`, TLS to `https://host:port` with the app's domain as server name and
// the certificate checked for that domain (traefik with the CI's wildcard certificate).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { execChecked } from '../../src/effects/exec.js';
import { baseUrl, httpGet, splitIngress } from '../../src/effects/http.js';
import { tempDir } from '../support/temp-dirs.js';

const DOMAIN = 'ci.example.org';
const APP = `cust-1a2b3c.${DOMAIN}`;

/** A CA of the test's own, and a certificate it signed for `*.<domain>`. */
async function certificates(dir: string, domain: string): Promise<{ ca: string; key: string; cert: string }> {
  const openssl = (args: string[]) => execChecked('openssl', args, { cwd: dir });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ccci test CA']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${domain}`]);
  writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=DNS:*.${domain}\n`);
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

interface Seen {
  host: string | undefined;
  servername: string | false | null | undefined;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('requests through the ingress', () => {
  const seen: Seen[] = [];
  const answer = (request: http.IncomingMessage, response: http.ServerResponse) => {
    seen.push({ host: request.headers.host, servername: (request.socket as TLSSocket).servername });
    response.end('hello');
  };
  let tlsServer: https.Server;
  let otherTlsServer: https.Server;
  let plainServer: http.Server;
  let tlsPort = 0;
  let otherTlsPort = 0;
  let plainPort = 0;
  let savedCa: unknown;

  before(async () => {
    const ours = await certificates(tempDir('ccci-tls-'), DOMAIN);
    const theirs = await certificates(tempDir('ccci-tls-other-'), 'elsewhere.example.net');
    tlsServer = https.createServer({ key: ours.key, cert: ours.cert }, answer);
    otherTlsServer = https.createServer({ key: theirs.key, cert: theirs.cert }, answer);
    plainServer = http.createServer(answer);
    [tlsPort, otherTlsPort, plainPort] = await Promise.all([listen(tlsServer), listen(otherTlsServer), listen(plainServer)]);
    // The machine's CAs plus the test's own, as NODE_EXTRA_CA_CERTS adds one for the runner.
    savedCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = [ours.ca, theirs.ca];
  });
  after(() => {
    https.globalAgent.options.ca = savedCa as never;
    for (const server of [tlsServer, otherTlsServer, plainServer]) server.close();
  });

  test('https://host:port: TLS, the app domain as server name and Host, the certificate checked for it', async () => {
    seen.length = 0;
    const outcome = await httpGet({ domain: APP, ingress: `https://127.0.0.1:${tlsPort}` }, '/', 5000);
    assert.deepEqual(outcome, { ok: true, answer: { status: 200, body: 'hello' } });
    assert.deepEqual(seen, [{ host: APP, servername: APP }]);
  });

  test("a certificate that is not the app domain's is refused, naming why", async () => {
    const outcome = await httpGet({ domain: APP, ingress: `https://127.0.0.1:${otherTlsPort}` }, '/', 5000);
    assert.equal(outcome.ok, false);
    assert.match(outcome.ok ? '' : outcome.error, new RegExp(`Host: ${APP.replace(/\./g, '\\.')}\\. is not in the cert's altnames`));
  });

  test('host:port and http://host:port: plain HTTP with the app domain as Host', async () => {
    for (const ingress of [`127.0.0.1:${plainPort}`, `http://127.0.0.1:${plainPort}`]) {
      seen.length = 0;
      const outcome = await httpGet({ domain: APP, ingress }, '/health', 5000);
      assert.deepEqual(outcome, { ok: true, answer: { status: 200, body: 'hello' } }, ingress);
      assert.deepEqual(seen, [{ host: APP, servername: undefined }], ingress);
    }
  });

  test('plain HTTP to a TLS ingress fails, as traefik on 443 would make it', async () => {
    const outcome = await httpGet({ domain: APP, ingress: `127.0.0.1:${tlsPort}` }, '/', 5000);
    assert.equal(outcome.ok, false);
  });
});

describe('ingress addresses', () => {
  test('splitIngress: scheme, host and port', () => {
    assert.deepEqual(splitIngress('127.0.0.1:8080'), { tls: false, host: '127.0.0.1', port: 8080 });
    assert.deepEqual(splitIngress('http://127.0.0.1:80'), { tls: false, host: '127.0.0.1', port: 80 });
    assert.deepEqual(splitIngress('https://127.0.0.1:443'), { tls: true, host: '127.0.0.1', port: 443 });
    assert.deepEqual(splitIngress('https://[::1]:443'), { tls: true, host: '::1', port: 443 });
  });

  test("baseUrl: a plain ingress's own address; with TLS or no ingress, the app as a person opens it", () => {
    assert.equal(baseUrl({ domain: APP, ingress: '127.0.0.1:8080' }), 'http://127.0.0.1:8080');
    assert.equal(baseUrl({ domain: APP, ingress: 'http://[::1]:8080' }), 'http://[::1]:8080');
    assert.equal(baseUrl({ domain: APP, ingress: 'https://127.0.0.1:443' }), `https://${APP}`);
    assert.equal(baseUrl({ domain: APP, ingress: null }), `https://${APP}`);
  });
});
