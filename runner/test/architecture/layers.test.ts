// The folder layout is the architecture: each folder of src/ is a layer, a module only
// imports from its own layer or a lower one, no two modules import each other in a
// circle, and the pure core (and the text helpers) import nothing with effects.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled to dist/test/architecture/: the sources are two levels up from dist/.
const srcRoot = path.resolve(here, '../../../src');

/** Lowest first: a layer may import from itself and from every layer before it. */
export const LAYERS = ['core', 'text', 'config', 'effects', 'registry', 'mirror', 'run', 'status', 'dashboard', 'sweep', 'demo', 'cli'];
const PURE = new Set(['core', 'text']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface ModuleImports {
  file: string;
  /** Relative imports, resolved to .ts paths (static and type-only: both make a circle). */
  local: string[];
  /** Package and node: imports. */
  external: string[];
}

function importsOf(file: string): ModuleImports {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
  const dynamic = [...text.matchAll(/\bimport\('([^']+)'\)/g)].map((m) => m[1] as string);
  const all = [...specifiers, ...dynamic];
  return {
    file,
    local: all.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts'))),
    external: all.filter((s) => !s.startsWith('.')),
  };
}

function layerOf(file: string): string {
  return path.relative(srcRoot, file).split(path.sep)[0] as string;
}

const modules = sourceFiles(srcRoot).map(importsOf);
const rel = (file: string) => path.relative(srcRoot, file);

describe('architecture: layers and imports of src/', () => {
  it('every folder of src/ is a known layer', () => {
    const folders = new Set(modules.map((m) => layerOf(m.file)));
    assert.deepEqual([...folders].filter((f) => !LAYERS.includes(f)), []);
  });

  it('no module imports from a higher layer', () => {
    const upward: string[] = [];
    for (const m of modules) {
      for (const target of m.local) {
        if (LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf(layerOf(m.file))) upward.push(`${rel(m.file)} -> ${rel(target)}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  it('no circle of imports', () => {
    const graph = new Map(modules.map((m) => [m.file, m.local]));
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (!graph.has(next)) continue;
        if (state.get(next) === 'open') circles.push([...trail.slice(trail.indexOf(next)), next].map(rel).join(' -> '));
        else if (!state.has(next)) visit(next, [...trail, next]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
    assert.deepEqual(circles, []);
  });

  it('the pure core and the text helpers import no program, file system or network module', () => {
    const impure = modules
      .filter((m) => PURE.has(layerOf(m.file)))
      .flatMap((m) => m.external.filter((e) => e.startsWith('node:') || e === 'zx').map((e) => `${rel(m.file)} imports ${e}`));
    assert.deepEqual(impure, []);
  });

  it('the checker sees the imports it checks (a known edge is found)', () => {
    const sweep = modules.find((m) => rel(m.file) === path.join('sweep', 'sweep.ts'));
    assert.ok(sweep, 'src/sweep/sweep.ts exists');
    assert.ok(sweep.local.some((t) => rel(t) === path.join('core', 'gate.ts')), 'sweep.ts imports core/gate.ts');
  });
});
