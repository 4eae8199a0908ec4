// Reads `abra recipe lint`'s table (pure). Its exit code only says whether it could lint
// at all; which rules failed is in the table: a row per rule R001..., with SATISFIED and
// SKIPPED columns. A rule fails when it is neither satisfied nor skipped.
// abra puts "-" in a cell that does not apply (the older system's journals, abra 0.13):
// SKIPPED is "-" for a rule that was not skipped, SATISFIED is "-" for a skipped one (it
// was not evaluated). Any other "-" is unreadable: a rule that ran must say whether it held.

export type LintTable =
  | { ok: true; rules: { ref: string; satisfied: boolean; skipped: boolean }[]; failing: string[] }
  | { ok: false; problem: string };

const YES = new Set(['✅', '✔', '✔️', 'yes', 'true', 'y']);
const NO = new Set(['❌', '✖', '✗', 'no', 'false', 'n']);
const NOT_APPLICABLE = new Set(['-', '–', '—']);

function cellsOf(line: string): string[] | null {
  if (!/[│|┃]/.test(line)) return null;
  return line
    .split(/[│|┃]/)
    .map((cell) => cell.trim())
    .slice(1, -1);
}

type Cell = boolean | 'n/a' | null;

function truth(cell: string | undefined): Cell {
  const value = (cell ?? '').toLowerCase().replace(/\ufe0f/g, '');
  if (YES.has(value) || YES.has(cell ?? '')) return true;
  if (NO.has(value) || NO.has(cell ?? '')) return false;
  if (NOT_APPLICABLE.has(value)) return 'n/a';
  return null;
}

export function parseLintTable(output: string): LintTable {
  let satisfiedColumn = -1;
  let skippedColumn = -1;
  let refColumn = -1;
  const rules: { ref: string; satisfied: boolean; skipped: boolean }[] = [];
  for (const line of output.split('\n')) {
    const cells = cellsOf(line);
    if (!cells) continue;
    const upper = cells.map((c) => c.toUpperCase());
    if (upper.includes('SATISFIED')) {
      satisfiedColumn = upper.indexOf('SATISFIED');
      skippedColumn = upper.indexOf('SKIPPED');
      refColumn = upper.indexOf('REF');
      continue;
    }
    const ref = cells.find((cell) => /^R\d{3}$/.test(cell));
    if (!ref) continue;
    if (satisfiedColumn < 0) return { ok: false, problem: `rule ${ref} before a header with a SATISFIED column` };
    if (refColumn >= 0 && cells[refColumn] !== ref) return { ok: false, problem: `rule row for ${ref} is misaligned` };
    const satisfiedCell = truth(cells[satisfiedColumn]);
    const skippedCell = skippedColumn < 0 ? false : truth(cells[skippedColumn]);
    // "-" under SKIPPED: not skipped. Under SATISFIED only a skipped rule may say "-".
    const skipped = skippedCell === 'n/a' ? false : skippedCell;
    const satisfied = satisfiedCell === 'n/a' ? (skipped === true ? false : null) : satisfiedCell;
    if (satisfied === null || skipped === null) {
      return { ok: false, problem: `cannot read SATISFIED/SKIPPED of ${ref}: ${JSON.stringify(cells)}` };
    }
    rules.push({ ref, satisfied, skipped });
  }
  if (rules.length === 0) return { ok: false, problem: 'no lint rule rows in the output' };
  const failing = rules.filter((r) => !r.satisfied && !r.skipped).map((r) => r.ref);
  return { ok: true, rules, failing: [...new Set(failing)].sort() };
}
