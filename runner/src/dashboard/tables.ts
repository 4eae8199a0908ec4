// The dashboard's tables: their columns, named once. The pages take their header cells
// from here and style.css its phone labels (a narrow screen shows each row as a card,
// every cell with its column's name in front), so no cell carries its label itself.
import { h, type Html } from './html.js';

export const TABLES = {
  recipes: ['Recipe', 'State', 'Canonical', 'Promoted', 'Newest tag', 'Last sweep', 'Nights'],
  red: ['Tag', 'Commit', 'Failing rung', 'Reason', 'Red runs', 'Newest red run'],
  recent: ['When', 'Outcome', 'Decision', 'Tag', 'Level', 'Time', 'Run'],
  runs: ['Run', 'Verdict', 'Version', 'Started', 'Time', 'Files'],
} as const;
export type TableName = keyof typeof TABLES;

/** `<table class="cards t-NAME"><thead>…</thead>`; `last` replaces the last header's text. */
export function tableStart(name: TableName, last?: string): Html {
  const columns: string[] = [...TABLES[name]];
  if (last !== undefined) columns[columns.length - 1] = last;
  return h`<table class="cards t-${name}">\n<thead><tr>${columns.map((c) => h`<th>${c}</th>`)}</tr></thead>`;
}

/** The phone labels: `.t-recent td:nth-child(2)::before{content:"outcome"}` and so on. */
export function tableLabelsCss(): string {
  return Object.entries(TABLES)
    .flatMap(([name, columns]) =>
      columns.map((c, i) => `.t-${name} td:nth-child(${i + 1})::before{content:"${c.toLowerCase()}"}`),
    )
    .join('\n');
}
