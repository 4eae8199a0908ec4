// Names that reach the file system or git as arguments. Validated before any
// effect sees them, so a hostile name is refused, never executed.

/** Recipe names as Co-op Cloud uses them: lowercase, digits, `-` and `_`, no path tricks. */
const RECIPE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function recipeNameProblem(name: string): string | null {
  if (!RECIPE_NAME.test(name)) {
    return `recipe name ${JSON.stringify(name)} must be 1-64 of a-z, 0-9, '-', '_' and start with a letter or digit`;
  }
  return null;
}

export function isRecipeName(name: string): boolean {
  return recipeNameProblem(name) === null;
}

/**
 * git check-ref-format rules for one ref component path (as for `refs/tags/<name>`),
 * plus: never starts with '-', so it can't be read as an option.
 */
export function refNameProblem(name: string): string | null {
  // (Quoted only for a message: every ref of every listing passes through here.)
  const quoted = () => JSON.stringify(name);
  if (name.length === 0) return 'ref name is empty';
  if (name.startsWith('-')) return `ref name ${quoted()} starts with '-' (would be read as an option)`;
  if (name.length > 255) return `ref name ${quoted()} is longer than 255 characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return `ref name ${quoted()} has a character git forbids`;
  if (name.includes('..')) return `ref name ${quoted()} contains '..'`;
  if (name.includes('@{')) return `ref name ${quoted()} contains '@{'`;
  if (name === '@') return `ref name ${quoted()} is '@'`;
  if (name.endsWith('.') || name.endsWith('/')) return `ref name ${quoted()} ends with '.' or '/'`;
  if (name.startsWith('/') || name.includes('//')) return `ref name ${quoted()} has an empty component`;
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return `ref name ${quoted()} has a component starting with '.'`;
    if (component.endsWith('.lock')) return `ref name ${quoted()} has a component ending with '.lock'`;
  }
  return null;
}

export function isRefName(name: string): boolean {
  return refNameProblem(name) === null;
}

/** A full 40-hex commit id. */
export function isCommitId(value: string): boolean {
  return /^[0-9a-f]{40}$/.test(value);
}

/**
 * abra's name for the server (`servers/<server>/` in ABRA_DIR): one path component, so
 * like a recipe name nothing that could climb out of servers/, be read as an option or
 * reach a shell means anything; unlike one, a host name's dots and capitals are allowed.
 */
const SERVER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}[A-Za-z0-9])?$/;

export function serverNameProblem(name: string): string | null {
  if (!SERVER_NAME.test(name) || name.includes('..')) {
    return (
      `server name ${JSON.stringify(name)} must be 1-254 of A-Z, a-z, 0-9, '.', '-', '_', ` +
      `start and end with a letter or digit and contain no '..'`
    );
  }
  return null;
}

/** The warm domain a recipe's canonical lives on: `warm-<recipe>.<domain>`. */
export function warmDomain(recipe: string, domain: string): string {
  return `warm-${recipe}.${domain}`;
}

/**
 * Whether git can keep `name` as a loose ref (`refs/…/<name>` is a file, and git writes
 * `<component>.lock` beside it first): every component, in bytes, plus `.lock` must fit
 * a file name (255 bytes). check-ref-format allows longer names; the files backend then
 * fails the whole fetch, so such a tag is refused before git sees it.
 */
const MAX_FILE_NAME_BYTES = 255;
const LOCK_SUFFIX = '.lock';

export function refStorageProblem(name: string): string | null {
  for (const component of name.split('/')) {
    const bytes = new TextEncoder().encode(component).length;
    if (bytes + LOCK_SUFFIX.length > MAX_FILE_NAME_BYTES) {
      return (
        `ref name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)} has a component of ` +
        `${bytes} bytes: git cannot store it as a ref file (at most ${MAX_FILE_NAME_BYTES - LOCK_SUFFIX.length})`
      );
    }
  }
  return null;
}
