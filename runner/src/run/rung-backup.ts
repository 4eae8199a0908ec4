// L3 backup+restore. Proof: a marker written into the app's data before the backup is
// changed after it, and must be back after the restore. The marker goes where the
// recipe definition's backup.verify says (a container path of a service, mapped to its
// volume through compose.yml), else into every volume of the stack. It is written through
// the volume's mountpoint on the host (the runner is root on the single swarm node).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appBackupCreate, appRestore } from '../effects/abra.js';
import { listStackVolumes, volumeMountpoint } from '../effects/docker.js';
import { readCompose, volumeAt } from './compose.js';
import { abraContext, fail, pass, unver, type Outcome, type RunContext } from './context.js';
import { healthy } from './rung-deploy.js';

interface Marker {
  file: string;
  token: string;
}

async function markerFiles(ctx: RunContext): Promise<Marker[] | string> {
  const name = `.ccci-backup-proof-${ctx.runId}`;
  const token = randomBytes(16).toString('hex');
  const verify = ctx.definition.backup.verify;
  if (verify) {
    const mount = volumeAt(await readCompose(ctx.staged.dir), verify.service, verify.path);
    if (!mount) return `backup.verify: ${verify.path} is not on a named volume of service ${verify.service} in compose.yml`;
    const dir = path.join(await volumeMountpoint(`${ctx.stack}_${mount.volume}`), mount.subPath);
    return [{ file: path.join(dir, name), token }];
  }
  const volumes = await listStackVolumes(ctx.stack);
  if (volumes.length === 0) return `stack ${ctx.stack} has no volumes: nothing to back up`;
  const markers: Marker[] = [];
  for (const volume of volumes) markers.push({ file: path.join(await volumeMountpoint(volume), name), token });
  return markers;
}

async function readMarker(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

export async function backupRung(ctx: RunContext): Promise<Outcome> {
  const markers = await markerFiles(ctx);
  if (typeof markers === 'string') return unver(markers);
  for (const marker of markers) {
    await mkdir(path.dirname(marker.file), { recursive: true });
    await writeFile(marker.file, marker.token);
  }
  await appBackupCreate(abraContext(ctx), ctx.app.domain, ctx.definition.deployTimeoutSeconds * 1000);
  // Change the data after the backup: only a real restore brings the token back.
  for (const marker of markers) await writeFile(marker.file, 'written after the backup');
  await appRestore(abraContext(ctx), ctx.app.domain, ctx.definition.deployTimeoutSeconds * 1000);
  const problem = await healthy(ctx, 'the restored app');
  if (problem) return problem;
  const lost: string[] = [];
  for (const marker of markers) {
    if ((await readMarker(marker.file)) !== marker.token) lost.push(marker.file);
  }
  if (lost.length > 0) {
    return fail(`restore did not bring back the data written before the backup: ${lost.join(', ')}`);
  }
  return pass(`backup and restore round-tripped a marker in ${markers.length} place(s); app healthy after restore`);
}
