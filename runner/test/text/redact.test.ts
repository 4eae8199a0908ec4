// Secrets out of run logs and results before the dashboard (or `ccci logs`) shows them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { applyRules, REDACTED, REDACTION_RULES, redactJson, redactSecrets } from '../../src/text/redact.js';

const SECRET = 'S3cr3tV4lue9';

describe('redactSecrets', () => {
  const cases: [string, string, string][] = [
    ['Authorization header', `> Authorization: Basic ${SECRET}`, `> Authorization: ${REDACTED}`],
    ['Authorization, any case', `authorization:Bearer ${SECRET}`, `authorization:${REDACTED}`],
    ['Proxy-Authorization', `Proxy-Authorization: Basic ${SECRET}`, `Proxy-Authorization: ${REDACTED}`],
    [
      'git -c http.extraHeader',
      `$ git -c http.extraHeader="Authorization: token ${SECRET}" push`,
      `$ git -c http.extraHeader="${REDACTED}" push`,
    ],
    ['extraheader in git config', `\textraheader = X-Auth ${SECRET}`, `\textraheader = ${REDACTED}`],
    ['Bearer token alone', `curl -H 'x: Bearer ${SECRET}'`, `curl -H 'x: Bearer ${REDACTED}'`],
    ['Gitea token scheme', `header token ${SECRET}`, `header token ${REDACTED}`],
    ['password in a URL', `fetch https://ci:${SECRET}@git.example.org/r.git`, `fetch https://${REDACTED}@git.example.org/r.git`],
    [
      'token as the URL user',
      `push https://${SECRET}${SECRET}@git.example.org/r.git`,
      `push https://${REDACTED}@git.example.org/r.git`,
    ],
    ['access_token query parameter', `GET /api/v1/repos?access_token=${SECRET}&page=2`, `GET /api/v1/repos?access_token=${REDACTED}&page=2`],
    ['token parameter after &', `https://x.org/a?b=1&token=${SECRET}#frag`, `https://x.org/a?b=1&token=${REDACTED}#frag`],
    ['signature parameter', `s3://b/o?X-Amz-Signature=${SECRET}`, `s3://b/o?X-Amz-Signature=${REDACTED}`],
    ['env-style secret', `DB_PASSWORD=${SECRET}`, `DB_PASSWORD=${REDACTED}`],
    ['env-style secret, quoted with spaces', `SECRET_KEY_BASE="${SECRET} and more"`, `SECRET_KEY_BASE=${REDACTED}`],
    ['env-style token after a space', `export GITEA_TOKEN=${SECRET} done`, `export GITEA_TOKEN=${REDACTED} done`],
    ['YAML key', `  password: ${SECRET}`, `  password: ${REDACTED}`],
    ['JSON key in a log line', `{"client_secret": "${SECRET}"}`, `{"client_secret": ${REDACTED}}`],
    ['GitHub token format', `ghp_${'a1'.repeat(18)}`, REDACTED],
    ['AWS access key id', 'key AKIAABCDEFGHIJKLMNOP used', `key ${REDACTED} used`],
    [
      'PEM private key',
      `x\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk${SECRET}\n-----END OPENSSH PRIVATE KEY-----\ny`,
      `x\n-----BEGIN OPENSSH PRIVATE KEY----- ${REDACTED} -----END OPENSSH PRIVATE KEY-----\ny`,
    ],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const output = redactSecrets(input);
      assert.equal(output, expected);
      assert.ok(!output.includes(SECRET), 'the secret is gone');
    });
  }

  test('a known secret value is removed wherever it is, longest first', () => {
    const token = 'f00dfeed1234';
    assert.equal(redactSecrets(`a ${token} b ${token}x`, [token]), `a ${REDACTED} b ${REDACTED}x`);
    assert.equal(redactSecrets(`${token}-extra`, [token, `${token}-extra`]), REDACTED);
    assert.equal(redactSecrets('abc abc', ['abc']), 'abc abc', 'values under 4 characters are ignored (they would shred the text)');
  });

  test('ordinary log lines are left exactly as they are', () => {
    const lines = [
      '2026-12-01T21:38:30.708Z head: 1.0.0+1.27.2 at 41402b7e2935ba329fc4bf6443439d0346e5ab21 (release tag)',
      '$ abra app deploy cust-23143a.ci.example.org 1.0.0+1.27.2 --no-domain-checks --no-input -> exit 0 in 233 ms',
      '  │ R001 │ compose config has expected version         │ warn     │ ✅         │ ❌       │         │',
      'mirror: fetch ssh://git@git.example.org/cc-ci/custom-html.git',
      'the token file is missing; authorization failed',
      'tokenFile /run/secrets/cc-ci-mirror-token',
      'GET /?page=2&sort=name answered 200',
      'token refreshed',
    ];
    for (const line of lines) assert.equal(redactSecrets(line), line);
  });

  test('idempotent, and never lets a planted secret through (property)', () => {
    const contexts = [
      (s: string) => `Authorization: Basic ${s}`,
      (s: string) => `https://u:${s}@h.example/x`,
      (s: string) => `/x?token=${s}&y=1`,
      (s: string) => `API_TOKEN=${s}`,
      (s: string) => `password: "${s}"`,
      (s: string) => `http.extraHeader=${s}`,
    ];
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,30}$/);
    const noise = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(secret, fc.integer({ min: 0, max: contexts.length - 1 }), noise, noise, (s, which, before, after) => {
        const text = `${before}\n${(contexts[which] as (s: string) => string)(s)}\n${after}`;
        const once = redactSecrets(text);
        assert.ok(!once.includes(s) || before.includes(s) || after.includes(s), `${JSON.stringify(text)} -> ${JSON.stringify(once)}`);
        assert.equal(redactSecrets(once), once);
      }),
    );
  });

  test('the pre-check skips only text no rule would change (property)', () => {
    // Pieces of what each rule looks for, in any case, glued with noise: a pre-check that
    // missed one of a rule's words would let that rule's match through unredacted.
    const pieces = [
      '-----BEGIN ', 'RSA PRIVATE KEY', '-----', 'Authorization', 'proxy-', 'extraHeader', 'Bearer', 'token', 'TOKEN',
      '://', 'https', '@', ':', '=', '?', '&', ';', 'key', 'sig', 'pass', 'PASSWORD', 'passwd', 'SECRET', 'client_secret',
      'api_key', 'APIKEY', 'api-key', 'PRIVATE_KEY', 'ACCESS_KEY', 'CREDENTIALS', 'x-amz-credential', 'ghp_', 'github_pat_',
      'glpat-', 'xoxb-', 'AKIA', 'ABCDEFGHIJKLMNOP', 'a1b2c3d4e5f6g7h8i9j0', '"', "'", ' ', '\n', '_', 'DB_',
    ];
    const piece = fc.oneof(
      fc.constantFrom(...pieces).chain((p) => fc.constantFrom(p, p.toLowerCase(), p.toUpperCase())),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
        const text = parts.join('');
        assert.equal(redactSecrets(text), applyRules(text), JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
    for (const [name, input] of cases) assert.notEqual(redactSecrets(input), input, `${name}: the pre-check lets it through`);
  });

  test('the rules are named', () => {
    assert.ok(REDACTION_RULES.includes('Authorization header'));
    assert.ok(REDACTION_RULES.includes('credential query parameter'));
  });
});

describe('redactJson', () => {
  test('every string value and key, structure kept', () => {
    const input = {
      reason: `GET /?access_token=${SECRET} answered 500`,
      rungs: [{ reason: `Authorization: Basic ${SECRET}` }, 3, null, true],
      source: { url: `https://x:${SECRET}@git.example.org/r.git` },
    };
    const output = redactJson(input, ['unused-known']) as typeof input;
    assert.ok(!JSON.stringify(output).includes(SECRET));
    assert.equal(output.rungs[1], 3);
    assert.equal(output.rungs[2], null);
    assert.equal(output.source.url, `https://${REDACTED}@git.example.org/r.git`);
  });
});
