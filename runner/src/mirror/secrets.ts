// The mirror token: read from its file, and scrubbed from any text that leaves sync.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The credential name the NixOS module passes with LoadCredential=mirror-token:<tokenFile>. */
export const MIRROR_TOKEN_CREDENTIAL = 'mirror-token';

/**
 * Where to read the token: under systemd, the unit's credential (a private copy only the
 * service can read); anywhere else (an operator's shell), the configured file itself.
 */
export function tokenPath(tokenFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const credentials = env.CREDENTIALS_DIRECTORY;
  if (credentials) {
    const credential = path.join(credentials, MIRROR_TOKEN_CREDENTIAL);
    if (existsSync(credential)) return credential;
  }
  return tokenFile;
}

/** Reads and trims the token. Errors name the file and the problem, never the content. */
export async function readToken(tokenFile: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(tokenFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the mirror token file ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const token = text.trim();
  if (token === '') throw new Error(`the mirror token file ${tokenFile} is empty`);
  if (/[\x00-\x20\x7f]/.test(token)) {
    throw new Error(`the mirror token file ${tokenFile} holds whitespace or control characters inside the token`);
  }
  return token;
}

/** `text` with every occurrence of each secret replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length > 0) clean = clean.split(secret).join('[redacted]');
  }
  return clean;
}

/** A URL fit for a log line: user:password@ taken out. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/, '$1');
}
