// The command table. Each command lives in its own file beside this one.
import type { Command } from '../command.js';

export const commands: Command[] = [];
