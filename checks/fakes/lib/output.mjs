// How the fakes report. abra (charmbracelet/log) prints "FATA <message>" on STDOUT and
// exits 1; docker prints errors on stderr. Both are emulated here.

export function fatal(message) {
  process.stdout.write(`FATA ${message}\n`);
  process.exit(1);
}

export function info(message) {
  process.stdout.write(`INFO ${message}\n`);
}

export function warn(message) {
  process.stdout.write(`WARN ${message}\n`);
}

export function dockerError(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
