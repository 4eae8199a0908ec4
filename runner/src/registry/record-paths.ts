// Where a recipe's records live under the state directory. Apart from the modules that
// validate them (zod is loaded only where a record needs more than the plain check), so
// that every reader of the registry can name its files without loading a validator.
import path from 'node:path';
import { recipeNameProblem } from '../core/names.js';

export function recipeStateDir(stateDir: string, recipe: string): string {
  const problem = recipeNameProblem(recipe);
  if (problem) throw new Error(problem);
  return path.join(stateDir, recipe);
}

export function snapshotsDir(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'snapshots');
}

export function snapshotDir(stateDir: string, recipe: string, id: string): string {
  return path.join(snapshotsDir(stateDir, recipe), id);
}

export function canonicalPath(stateDir: string, recipe: string): string {
  return path.join(recipeStateDir(stateDir, recipe), 'canonical.json');
}
