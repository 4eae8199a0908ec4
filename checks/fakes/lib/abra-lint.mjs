// The double's `abra recipe lint <recipe>`: a table of rules R001-R016, the failing ones
// chosen by compose.yml's x-ccci-fake.lint list. Like real abra it needs a terminal
// (run it under `script`), and it exits 0 even when rules fail: read the table.
// Cells as real abra fills them (the older system's journals; check): SKIPPED holds "-"
// for a rule that was not skipped and ✅ for one that was; SATISFIED holds ✅ or ❌, and
// "-" for a skipped rule (it was not evaluated).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fatal } from './output.mjs';
import { readCompose, fakeBehaviour } from './recipe.mjs';
import { abraDir } from './abra-app.mjs';
import { table } from './table.mjs';

// Rule names and severities as abra 0.11 lists them (check: recalled, not confirmed from source).
export const LINT_RULES = [
  ['R001', 'compose config has expected version', 'warn'],
  ['R002', 'healthcheck enabled for all services', 'warn'],
  ['R003', 'all images use a tag', 'warn'],
  ['R004', 'no unstable tags', 'warn'],
  ['R005', 'tags use semver-like format', 'warn'],
  ['R006', 'has published catalogue version', 'warn'],
  ['R007', 'README.md metadata filled in', 'warn'],
  ['R008', '.env.sample provided', 'error'],
  ['R009', "one service named 'app'", 'error'],
  ['R010', 'traefik routing enabled', 'error'],
  ['R011', 'all services have images', 'error'],
  ['R012', 'config version are vendored', 'error'],
  ['R013', 'git.coopcloud.tech repo exists', 'error'],
  ['R014', 'only annotated tags used for recipe version', 'error'],
  ['R015', 'long secret names', 'error'],
  ['R016', 'no unstaged changes', 'error'],
];

// Rules the double never evaluates: it cannot reach git.coopcloud.tech (check: which rules
// real abra skips, and when).
export const SKIPPED_RULES = new Set(['R013']);

export function recipeLint({ args }) {
  const [recipe] = args;
  if (!process.stdout.isTTY) fatal('inappropriate ioctl for device');
  const dir = path.join(abraDir(), 'recipes', recipe);
  if (!existsSync(dir)) fatal(`unable to find recipe ${recipe} in ${path.join(abraDir(), 'recipes')}`);
  const failing = new Set(fakeBehaviour(readCompose(dir), `${dir}/compose.yml`).lint);
  const rows = LINT_RULES.map(([ref, name, severity]) => {
    const skipped = SKIPPED_RULES.has(ref) && !failing.has(ref);
    const satisfied = skipped ? '-' : failing.has(ref) ? '❌' : '✅';
    return [ref, name, severity, satisfied, skipped ? '✅' : '-', failing.has(ref) ? 'see the recipe maintainer handbook' : ''];
  });
  const text = table(['REF', 'RULE', 'SEVERITY', 'SATISFIED', 'SKIPPED', 'RESOLVE'], rows);
  process.stdout.write(`${text.split('\n').join('\r\n')}\r\n`);
}
