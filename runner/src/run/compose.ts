// What the run reads from a recipe checkout's compose.yml (with the yaml library):
// the head version label of the app service, backupbot labels, and which volume a
// service mounts at a container path (for the backup proof).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../config/errors.js';

type Compose = {
  services?: Record<string, { volumes?: unknown[]; deploy?: { labels?: unknown } } | null>;
  volumes?: Record<string, unknown> | null;
  secrets?: Record<string, unknown> | null;
};

/**
 * A recipe's compose.yml that is missing, is not YAML, or is not a compose mapping: bad
 * input from the recipe (exit 2 in `ccci run`), not an infrastructure error. `file` is how
 * the message names the file; `where` (the recipe, ref and commit) goes in front of it.
 */
export class ComposeFileError extends InputError {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly where: string | null = null,
  ) {
    super(`${where ? `${where}: ` : ''}${file}: ${problem}`);
    this.name = 'ComposeFileError';
  }

  /** The same problem, said of the recipe at a ref (and under another name for the file). */
  at(where: string, file = this.file): ComposeFileError {
    return new ComposeFileError(file, this.problem, where);
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty file)';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/**
 * The compose.yml at the top of `checkout`, parsed. Throws ComposeFileError when it is
 * missing, is not valid YAML, or is not a mapping (with `services`, if any, a mapping).
 */
export async function readCompose(checkout: string): Promise<Compose> {
  const file = path.join(checkout, 'compose.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ComposeFileError(file, 'missing: the recipe has no compose.yml at its top level');
    if (code === 'EISDIR') throw new ComposeFileError(file, 'is a directory, not a compose file');
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    // The parser's first line says what and where (line, column); the rest is a code frame.
    const first = (((error as Error).message ?? String(error)).split('\n')[0] ?? '').trim().replace(/:$/, '');
    throw new ComposeFileError(file, `not valid YAML: ${first}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ComposeFileError(file, `not a compose file: expected a mapping (services: …), found ${kindOf(parsed)}`);
  }
  const services = (parsed as { services?: unknown }).services;
  if (services !== undefined && services !== null && (typeof services !== 'object' || Array.isArray(services))) {
    throw new ComposeFileError(file, `not a compose file: services must be a mapping of service names, found ${kindOf(services)}`);
  }
  return parsed as Compose;
}

export function serviceLabels(compose: Compose, service: string): Record<string, string> {
  const raw = compose.services?.[service]?.deploy?.labels;
  const labels: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = String(item);
      const eq = text.indexOf('=');
      labels[eq < 0 ? text : text.slice(0, eq)] = eq < 0 ? '' : text.slice(eq + 1);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) labels[k] = v === null ? '' : String(v);
  }
  return labels;
}

const VERSION_LABELS = ['coop-cloud.${STACK_NAME}.version', 'coop-cloud.$STACK_NAME.version'];

/** The `coop-cloud.${STACK_NAME}.version` label of the app service, or null. */
export function headVersionOf(compose: Compose): string | null {
  const labels = serviceLabels(compose, 'app');
  for (const key of VERSION_LABELS) {
    const value = labels[key]?.trim();
    if (value) return value;
  }
  return null;
}

/** The compose file's secrets (their keys): abra generates one swarm secret for each. */
export function composeSecrets(compose: Compose): string[] {
  return Object.keys(compose.secrets ?? {}).sort();
}

export function hasBackupbotLabels(compose: Compose): boolean {
  return Object.keys(compose.services ?? {}).some((name) => serviceLabels(compose, name)['backupbot.backup'] === 'true');
}

/** The named volume (short name) and sub-path a service mounts at `containerPath`, or null. */
export function volumeAt(
  compose: Compose,
  service: string,
  containerPath: string,
): { volume: string; subPath: string } | null {
  const named = new Set(Object.keys(compose.volumes ?? {}));
  let best: { volume: string; subPath: string; length: number } | null = null;
  for (const entry of compose.services?.[service]?.volumes ?? []) {
    let source: string | undefined;
    let target: string | undefined;
    if (typeof entry === 'string') [source, target] = entry.split(':');
    else if (entry && typeof entry === 'object') {
      const e = entry as { source?: string; target?: string };
      source = e.source;
      target = e.target;
    }
    if (!source || !target || !named.has(source)) continue;
    const mount = target.replace(/\/+$/, '');
    if (containerPath === mount || containerPath.startsWith(`${mount}/`)) {
      if (!best || mount.length > best.length) {
        best = { volume: source, subPath: containerPath.slice(mount.length).replace(/^\/+/, ''), length: mount.length };
      }
    }
  }
  return best ? { volume: best.volume, subPath: best.subPath } : null;
}
