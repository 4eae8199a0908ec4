// What the fakes read from a recipe checkout: compose.yml's services, volumes, secrets,
// the app service's deploy labels and the `x-ccci-fake:` mapping that chooses the fake
// behaviour (on the real engine the fixture app reads the same mapping: its compose
// sets FIXTURE_* variables from it).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlSubset } from './yaml-subset.mjs';
import { fatal } from './output.mjs';

const BEHAVIOUR_KEYS = {
  deploy: ['ok', 'fail', 'hang'],
  health: ['ok', 'fail'],
  backup: ['ok', 'fail'],
  restore: ['ok', 'fail', 'corrupt'],
};

export function readCompose(recipeDir) {
  const file = path.join(recipeDir, 'compose.yml');
  if (!existsSync(file)) fatal(`${file}: no such file (is ${recipeDir} a recipe checkout?)`);
  try {
    return parseYamlSubset(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    fatal(`${file}: unable to parse compose file: ${error.message}`);
  }
}

/** Labels as a flat object, from either `- "k=v"` items or a `k: v` mapping. */
export function labelsOf(service) {
  const raw = service?.deploy?.labels;
  const labels = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = String(item);
      const eq = text.indexOf('=');
      if (eq < 0) labels[text] = '';
      else labels[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) labels[key] = value === null ? '' : String(value);
  }
  return labels;
}

export function interpolate(text, variables) {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
    const name = braced ?? bare;
    return variables[name] ?? '';
  });
}

/** The fake behaviour of a compose file; a missing key means ok. Bad values are refused. */
export function fakeBehaviour(compose, file = 'compose.yml') {
  const raw = compose['x-ccci-fake'] ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fatal(`${file}: x-ccci-fake: expected a mapping`);
  const behaviour = { deploy: 'ok', health: 'ok', http: 200, startSeconds: 0, backup: 'ok', restore: 'ok', lint: [] };
  for (const [key, value] of Object.entries(raw)) {
    if (key in BEHAVIOUR_KEYS) {
      if (!BEHAVIOUR_KEYS[key].includes(value)) {
        fatal(`${file}: x-ccci-fake.${key}: expected one of ${BEHAVIOUR_KEYS[key].join('|')}, got ${value}`);
      }
      behaviour[key] = value;
    } else if (key === 'http') {
      if (!Number.isInteger(value) || value < 100 || value > 599) fatal(`${file}: x-ccci-fake.http: expected a status code`);
      behaviour.http = value;
    } else if (key === 'startSeconds') {
      if (!Number.isInteger(value) || value < 0 || value > 3600) fatal(`${file}: x-ccci-fake.startSeconds: expected whole seconds (0-3600)`);
      behaviour.startSeconds = value;
    } else if (key === 'lint') {
      const list = Array.isArray(value) ? value : value === null ? [] : [value];
      for (const id of list) {
        if (!/^R0(0[1-9]|1[0-6])$/.test(String(id))) fatal(`${file}: x-ccci-fake.lint: unknown rule id ${id}`);
      }
      behaviour.lint = list.map(String);
    } else {
      fatal(`${file}: x-ccci-fake: unknown key ${key}`);
    }
  }
  return behaviour;
}

/** Everything a deploy of this checkout on `stack` would create. */
export function describeStack(recipeDir, stack, env = {}) {
  const compose = readCompose(recipeDir);
  const services = compose.services;
  if (!services || typeof services !== 'object' || Array.isArray(services)) {
    fatal(`${recipeDir}/compose.yml: no services: mapping`);
  }
  if (!services.app) fatal(`${recipeDir}/compose.yml: no service named "app"`);
  const variables = { ...env, STACK_NAME: stack };
  const serviceLabels = {};
  let backupCapable = false;
  for (const [name, service] of Object.entries(services)) {
    const labels = {};
    for (const [key, value] of Object.entries(labelsOf(service))) {
      labels[interpolate(key, variables)] = interpolate(value, variables);
    }
    if (labels['backupbot.backup'] === 'true') backupCapable = true;
    serviceLabels[name] = labels;
  }
  const volumes = Object.keys(compose.volumes ?? {});
  // Secrets by their compose key, with the swarm name they must exist under.
  const secrets = {};
  for (const [key, secret] of Object.entries(compose.secrets ?? {})) {
    const name = secret && typeof secret === 'object' && typeof secret.name === 'string' ? secret.name : `${stack}_${key}`;
    secrets[key] = interpolate(name, variables);
  }
  return {
    services: serviceLabels,
    volumes,
    secrets,
    backupCapable,
    version: serviceLabels.app[`coop-cloud.${stack}.version`] ?? null,
    behaviour: fakeBehaviour(compose, `${recipeDir}/compose.yml`),
  };
}
