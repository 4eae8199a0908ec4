// One line per step of each recipe, readable in the journal: `[3/21] plausible: run on 3.0.2+v2.0.1 …`.
// Plain text: no colour codes, whatever the output is.

export interface Progress {
  step(index: number, total: number, recipe: string, message: string): void;
  line(message: string): void;
}

export function progressTo(stream: NodeJS.WritableStream): Progress {
  const write = (text: string) => stream.write(`${text}\n`);
  return {
    step: (index, total, recipe, message) => write(`[${index}/${total}] ${recipe}: ${message}`),
    line: (message) => write(message),
  };
}
