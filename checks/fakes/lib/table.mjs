// The box tables abra prints (charmbracelet/lipgloss style): `abra recipe lint`, `app ps`,
// generated secrets.

function row(cells, widths) {
  return `│ ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' │ ')} │`;
}

function rule(left, middle, right, widths) {
  return `${left}${widths.map((w) => '─'.repeat(w + 2)).join(middle)}${right}`;
}

export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const out = [rule('┌', '┬', '┐', widths), row(header, widths), rule('├', '┼', '┤', widths)];
  for (const r of rows) out.push(row(r.map(String), widths));
  out.push(rule('└', '┴', '┘', widths));
  return out.join('\n');
}
