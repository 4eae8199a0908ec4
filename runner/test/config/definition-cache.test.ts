// The definition cache: definitions whose files did not change come from it; any change,
// any doubt about the cache, and the file is parsed and validated again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { definitionCachePath } from '../../src/config/definition-cache.js';
import { loadEnrolled } from '../../src/config/enrollment.js';
import { InputError } from '../../src/config/errors.js';
import { writeJsonAtomic } from '../../src/effects/atomic-file.js';
import { tempDir } from '../support/temp-dirs.js';

const writeCache = { writeCache: writeJsonAtomic };
const anHourAgo = () => new Date(Date.now() - 3_600_000);

function world(definitions: Record<string, string>): { config: Config; file: (name: string) => string } {
  const root = tempDir('ccci-definitions-');
  const file = (name: string) => path.join(root, 'repo', 'recipes', name, 'recipe.yaml');
  for (const [name, text] of Object.entries(definitions)) {
    mkdirSync(path.dirname(file(name)), { recursive: true });
    writeFileSync(file(name), text);
    utimesSync(file(name), anHourAgo(), anHourAgo());
  }
  const config = {
    repo: path.join(root, 'repo'),
    cacheDir: path.join(root, 'cache'),
    recipes: Object.fromEntries(Object.keys(definitions).map((n) => [n, {}])),
    source: 'test',
  } as unknown as Config;
  return { config, file };
}

interface CacheFile {
  schema: number;
  code: string;
  entries: Record<string, { definition: { deployTimeoutSeconds: number } }>;
  digest: string;
}
const readCache = (config: Config) => JSON.parse(readFileSync(definitionCachePath(config.cacheDir), 'utf8')) as CacheFile;
function writeCacheFile(config: Config, cache: CacheFile): void {
  cache.digest = createHash('sha256').update(JSON.stringify({ code: cache.code, entries: cache.entries })).digest('hex');
  writeFileSync(definitionCachePath(config.cacheDir), JSON.stringify(cache));
}

describe('the definition cache', () => {
  test('a definition whose file did not change comes from the cache, with the configuration\'s overrides applied', async () => {
    const { config } = world({ ghost: 'deployTimeoutSeconds: 600\n' });
    const first = await loadEnrolled(config, [], writeCache);
    assert.equal(first[0]?.definition.deployTimeoutSeconds, 600);
    const cache = readCache(config);
    assert.ok(cache.entries.ghost, 'cached');
    // Prove the next load reads the cache: change what it holds (with a matching digest).
    (cache.entries.ghost as { definition: { deployTimeoutSeconds: number } }).definition.deployTimeoutSeconds = 777;
    writeCacheFile(config, cache);
    assert.equal((await loadEnrolled(config))[0]?.definition.deployTimeoutSeconds, 777);
    config.recipes.ghost = { deployTimeoutSeconds: 42 };
    assert.equal((await loadEnrolled(config))[0]?.definition.deployTimeoutSeconds, 42);
  });

  test('an edit of the file (even to the same size) is read, and an invalid edit is an error despite the cache', async () => {
    const { config, file } = world({ ghost: 'deployTimeoutSeconds: 600\n' });
    await loadEnrolled(config, [], writeCache);
    writeFileSync(file('ghost'), 'deployTimeoutSeconds: 900\n');
    utimesSync(file('ghost'), anHourAgo(), new Date(Date.now() - 3_000_000));
    assert.equal((await loadEnrolled(config, [], writeCache))[0]?.definition.deployTimeoutSeconds, 900);
    writeFileSync(file('ghost'), 'deployTimeoutSeconds: -1\n');
    await assert.rejects(loadEnrolled(config, [], writeCache), (error: unknown) => error instanceof InputError && /deployTimeoutSeconds/.test(error.message));
  });

  test('a cache it cannot vouch for is ignored: torn, edited without its digest, or made by other code', async () => {
    for (const spoil of [
      (c: CacheFile) => JSON.stringify(c).slice(0, 40),
      (c: CacheFile) => JSON.stringify({ ...c, entries: { ghost: { ...c.entries.ghost, definition: { deployTimeoutSeconds: 777 } } } }),
      (c: CacheFile) => {
        const other = { ...c, code: 'f'.repeat(64) };
        other.digest = createHash('sha256').update(JSON.stringify({ code: other.code, entries: other.entries })).digest('hex');
        return JSON.stringify(other);
      },
    ]) {
      const { config } = world({ ghost: 'deployTimeoutSeconds: 600\n' });
      await loadEnrolled(config, [], writeCache);
      const cache = readCache(config);
      (cache.entries.ghost as { definition: { deployTimeoutSeconds: number } }).definition.deployTimeoutSeconds = 777;
      writeFileSync(definitionCachePath(config.cacheDir), spoil({ ...cache, digest: readCache(config).digest }));
      assert.equal((await loadEnrolled(config))[0]?.definition.deployTimeoutSeconds, 600);
    }
  });

  test('a file modified within the last two seconds is not cached (its timestamp could hide a second edit)', async () => {
    const { config, file } = world({ ghost: 'deployTimeoutSeconds: 600\n', plausible: '{}\n' });
    writeFileSync(file('plausible'), 'deployTimeoutSeconds: 700\n');
    await loadEnrolled(config, [], writeCache);
    const cache = readCache(config);
    assert.ok(cache.entries.ghost);
    assert.equal(cache.entries.plausible, undefined);
  });

  test('only a caller that passes a writer writes it (a dry run, decide: never)', async () => {
    const { config } = world({ ghost: '{}\n' });
    await loadEnrolled(config);
    assert.equal(existsSync(definitionCachePath(config.cacheDir)), false);
  });
});
