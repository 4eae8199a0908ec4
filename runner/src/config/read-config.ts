// How commands read the configuration: the same answer as config.ts's loadConfig, but a
// file as the NixOS module writes it is taken through the plain check, without loading
// zod; any other file (or any problem) goes to loadConfig, whose schema decides and
// words the error.
import { readFileSync } from 'node:fs';
import { checkConfigFile } from './config-check.js';
import { configFileOf, resolveConfig, type Config } from './resolve-config.js';

export async function readConfig(options: { configFile?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const file = configFileOf(options);
  if (file === undefined) return resolveConfig({}, undefined, env);
  let plain;
  try {
    plain = checkConfigFile(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    plain = undefined;
  }
  if (plain) return resolveConfig(plain, file, env);
  const { loadConfig } = await import('./config.js');
  return loadConfig(options);
}
