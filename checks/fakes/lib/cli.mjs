// Command-line parsing in the way abra's cobra does it, strictly: the command words
// come first; flags may then appear before, between or after the positionals; `--flag=v`,
// `--flag v`, `-f v` and bundled short booleans (`-nf`) are accepted; an unknown flag,
// a missing flag value or a wrong number of positionals is a fatal error.
import { fatal } from './output.mjs';

/** Flags every abra command accepts (cobra persistent flags on the root command). */
export const GLOBAL_FLAGS = {
  'no-input': { short: 'n', value: false },
  debug: { short: 'd', value: false },
  offline: { short: 'o', value: false },
  help: { short: 'h', value: false },
};

/**
 * @param {string[]} argv the arguments after the command words
 * @param {{ usage: string, flags: Record<string, {short?: string, value: boolean}>, min: number, max: number }} spec
 */
export function parseFlags(argv, spec, fail = fatal) {
  const flags = { ...GLOBAL_FLAGS, ...spec.flags };
  const byShort = new Map(Object.entries(flags).filter(([, f]) => f.short).map(([name, f]) => [f.short, name]));
  const values = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const flag = flags[name];
      if (!flag) fail(`unknown flag: --${name}\nUsage: ${spec.usage}`);
      if (flag.value) {
        let value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined || value === '') fail(`flag needs an argument: --${name}\nUsage: ${spec.usage}`);
        values[name] = value;
      } else {
        if (eq >= 0) {
          const v = arg.slice(eq + 1);
          if (v !== 'true' && v !== 'false') fail(`invalid argument "${v}" for "--${name}" flag: expected true or false`);
          values[name] = v === 'true';
        } else values[name] = true;
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const name = byShort.get(letters[j]);
        if (!name) fail(`unknown shorthand flag: '${letters[j]}' in ${arg}\nUsage: ${spec.usage}`);
        if (flags[name].value) {
          const rest = letters.slice(j + 1);
          const value = rest !== '' ? rest.replace(/^=/, '') : argv[++i];
          if (value === undefined || value === '') fail(`flag needs an argument: '${letters[j]}' in ${arg}\nUsage: ${spec.usage}`);
          values[name] = value;
          break;
        }
        values[name] = true;
      }
      continue;
    }
    positionals.push(arg);
  }
  if (values.help) {
    process.stdout.write(`Usage: ${spec.usage}\n`);
    process.exit(0);
  }
  if (positionals.length < spec.min) {
    fail(`missing argument${spec.min - positionals.length > 1 ? 's' : ''}: ${spec.argNames.slice(positionals.length, spec.min).join(' ')}\nUsage: ${spec.usage}`);
  }
  if (positionals.length > spec.max) {
    fail(`too many arguments: ${positionals.slice(spec.max).join(' ')}\nUsage: ${spec.usage}`);
  }
  return { flags: values, args: positionals };
}
