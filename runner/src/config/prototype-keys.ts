// Keys that JavaScript objects treat specially. JSON.parse and the YAML parser keep a
// `__proto__` key as an ordinary one, but copying it into an object (as zod's record
// does) sets the prototype instead: the entry silently disappears. Such a key is
// refused, naming where it is, before any schema sees the input.
const SPECIAL_KEYS = new Set(['__proto__']);

/** The dotted path of the first special key in a parsed JSON/YAML value, or null. */
export function specialKeyPath(value: unknown, at: readonly string[] = []): string | null {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = specialKeyPath(item, [...at, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    if (SPECIAL_KEYS.has(key)) return [...at, key].join('.');
    const found = specialKeyPath((value as Record<string, unknown>)[key], [...at, key]);
    if (found) return found;
  }
  return null;
}

export function specialKeyProblem(where: string, value: unknown): string | null {
  const found = specialKeyPath(value);
  return found ? `${where}: ${found}: a key named ${found.split('.').at(-1)} is not allowed (it cannot be a recipe, a setting or a name)` : null;
}
