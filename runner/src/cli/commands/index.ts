// The command table. Each command lives in its own file beside this one.
import type { Command } from '../command.js';
import { decideCommand } from './decide.js';
import { demoCommand } from './demo.js';
import { mirrorSyncCommand } from './mirror-sync.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { sweepCommand } from './sweep.js';
import { versionsCommand } from './versions.js';

export const commands: Command[] = [sweepCommand, runCommand, decideCommand, statusCommand, mirrorSyncCommand, versionsCommand, demoCommand];
