// The test doubles as programs that start without /usr/bin/env. checks/fakes/bin/* begin
// with `#!/usr/bin/env node`, and the Nix build sandbox (where `nix flake check` runs
// the tests) has no /usr/bin/env. So a sandbox runs a copy of checks/fakes whose
// scripts name this very Node.js as their interpreter, as nixpkgs' patchShebangs does
// to a package's scripts; the copy keeps bin/ next to lib/, so their imports resolve.
import { chmodSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Linux reads at most 255 bytes of a `#!` line and splits it at the first blank: an
 * interpreter path longer than that, or holding a blank, cannot be named there.
 */
export function shebangFor(interpreter: string): string | null {
  const line = `#!${interpreter}`;
  return Buffer.byteLength(line) <= 255 && !/\s/.test(interpreter) && path.isAbsolute(interpreter) ? line : null;
}

/** The script with its first line made `shebang` (added when it has none). */
export function withShebang(script: string, shebang: string): string {
  if (!script.startsWith('#!')) return `${shebang}\n${script}`;
  const end = script.indexOf('\n');
  return end < 0 ? `${shebang}\n` : `${shebang}${script.slice(end)}`;
}

/**
 * Copies `fakesDir` (holding bin/ and lib/) to `into` and points each script of
 * bin/ at `interpreter`; returns the copy's bin directory. An interpreter no
 * shebang can hold leaves the scripts as they are (they then need /usr/bin/env).
 */
export function launchableFakes(fakesDir: string, into: string, interpreter: string = process.execPath): string {
  cpSync(fakesDir, into, { recursive: true });
  const bin = path.join(into, 'bin');
  const shebang = shebangFor(interpreter);
  for (const entry of readdirSync(bin, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const script = path.join(bin, entry.name);
    if (shebang) writeFileSync(script, withShebang(readFileSync(script, 'utf8'), shebang));
    chmodSync(script, 0o755);
  }
  return bin;
}
