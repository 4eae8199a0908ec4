// Credential-looking text taken out of anything the runner shows beyond root: the
// dashboard's copies of run logs and results, `ccci logs`. The runs themselves try to
// log no secret; this is the second line of defence, so it errs on the side of
// redacting. Pure: no I/O.

export const REDACTED = '[redacted]';

interface Rule {
  /** What the rule catches, for the tests and for whoever reads a redacted log. */
  name: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

// Query and form parameters whose value is a credential (`?access_token=…`, `&sig=…`).
const SECRET_PARAMETER =
  'access_token|refresh_token|id_token|private_token|token|api_key|apikey|api-key|key|password|passwd|pass|secret|client_secret|auth|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token';

// Environment-style names that hold a credential: DB_PASSWORD=…, GITEA_TOKEN: …
const SECRET_NAME = '[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)[A-Z0-9_]*';
// The same as lower-case keys (YAML, JSON, logfmt): `password: …`, "client_secret": "…".
const SECRET_KEY = 'password|passwd|secret|client_secret|token|access_token|api_key|apikey|private_key';
// A value: quoted (spaces and all) or up to the next blank.
const VALUE = `(?:"[^"\\r\\n]*"|'[^'\\r\\n]*'|[^\\s"'\`]+)`;

const RULES: readonly Rule[] = [
  {
    name: 'PEM private key block',
    pattern: /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(?:-----END \1-----|$)/g,
    replace: (_m, kind) => `-----BEGIN ${kind}----- ${REDACTED} -----END ${kind}-----`,
  },
  {
    // Authorization: Basic …, Proxy-Authorization: Bearer …, git's http.extraHeader=Authorization: …
    name: 'Authorization header',
    pattern: /\b((?:proxy-)?authorization)(\s*[:=]\s*)[^\r\n"'`]*/gi,
    replace: (_m, header, separator) => `${header}${separator}${REDACTED}`,
  },
  {
    name: 'extraHeader value',
    pattern: /\b(extraheader)(\s*[:=]\s*|\s+)(["']?)[^\r\n"'`]*\3/gi,
    replace: (_m, key, separator, quote) => `${key}${separator}${quote}${REDACTED}${quote}`,
  },
  {
    name: 'bearer token',
    pattern: /\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, scheme, space) => `${scheme}${space}${REDACTED}`,
  },
  {
    // `token 3f9a…` (Gitea's scheme); a plain word after "token" is left alone.
    name: 'token scheme',
    pattern: /\b(token)(\s+)(?=[A-Za-z0-9._~+/=-]{8,})(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]+/gi,
    replace: (_m, scheme, space) => `${scheme}${space}${REDACTED}`,
  },
  {
    // https://user:password@host, https://<token>@host (Gitea takes a token as the user
    // name); a short plain user such as ssh://git@host is left alone.
    name: 'credentials in a URL',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:"'`<>]*:[^\s/@"'`<>]*|[^\s/@:"'`<>]{16,})@/gi,
    replace: (_m, scheme) => `${scheme}${REDACTED}@`,
  },
  {
    name: 'credential query parameter',
    pattern: new RegExp(`([?&;](?:${SECRET_PARAMETER})=)[^&\\s#"'\`<>]*`, 'gi'),
    replace: (_m, key) => `${key}${REDACTED}`,
  },
  {
    name: 'secret-named variable',
    pattern: new RegExp(`(^|[^A-Za-z0-9_])(${SECRET_NAME})(\\s*[=:]\\s*)${VALUE}`, 'gm'),
    replace: (_m, before, name, separator) => `${before}${name}${separator}${REDACTED}`,
  },
  {
    // Not after ? & ; or /: query parameters are the rule above's (they end at the next &).
    name: 'secret-named key',
    pattern: new RegExp(`(^|[^A-Za-z0-9_.?&;/-])(${SECRET_KEY})(["']?\\s*[=:]\\s*)${VALUE}`, 'gim'),
    replace: (_m, before, name, separator) => `${before}${name}${separator}${REDACTED}`,
  },
  {
    // Tokens with a recognisable prefix: GitHub, GitLab, Slack, AWS access key ids.
    name: 'well-known token format',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g,
    replace: () => REDACTED,
  },
];

/**
 * What every rule's match contains, in one pattern: text without any of it has nothing
 * for a rule to catch, so it is returned as it is without running ten patterns over it
 * (a run's results.json has hundreds of short strings). Each alternative is implied by a
 * rule above (the PEM header; the header and scheme words; "://"; a query parameter's
 * `?name=`; the secret names and keys; the token prefixes); a test checks that a string
 * this misses is one no rule changes. Keep it in step with RULES.
 */
const MAY_HOLD_SECRET =
  /-----BEGIN|authorization|extraheader|bearer|token|:\/\/|[?&;][a-z0-9_-]+=|passw|secret|api_?key|private_key|access_key|credential|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|akia/i;

/** The names of the rules, in the order they apply (documentation and tests). */
export const REDACTION_RULES: readonly string[] = RULES.map((r) => r.name);

/** Changes whenever a rule does: a copy redacted under other rules is redacted again. */
export const REDACTION_FINGERPRINT: string = RULES.map((r) => `${r.pattern.source}/${r.pattern.flags}`).join('\n');

/**
 * `text` with every known secret value and everything credential-looking replaced by
 * [redacted]. Known values go first, so a token is caught even where no rule would
 * recognise its context. Idempotent: redacting twice changes nothing more.
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let clean = text;
  if (knownSecrets.length > 0) {
    // Longest first: a secret that contains another is replaced whole.
    for (const secret of [...knownSecrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
      if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
    }
  }
  return MAY_HOLD_SECRET.test(clean) ? applyRules(clean) : clean;
}

/** Every rule over `text`, without the pre-check (exported for the test that checks the pre-check). */
export function applyRules(text: string): string {
  let clean = text;
  for (const rule of RULES) {
    clean = clean.replace(rule.pattern, rule.replace as (substring: string, ...args: unknown[]) => string);
  }
  return clean;
}

/** Every string inside a JSON value redacted (keys too), the structure left as it is. */
export function redactJson(value: unknown, knownSecrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return redactSecrets(value, knownSecrets);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, knownSecrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactSecrets(k, knownSecrets), redactJson(v, knownSecrets)]),
    );
  }
  return value;
}
