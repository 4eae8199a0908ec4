// waitHealthy: converged first, then the ready probe (HTTP path or TCP port N times in a row).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { createApp, deployVersion, removeAppAndVolumes, undeployKeepingVolumes, waitHealthy } from '../../src/effects/abra.js';
import { createOwnAbraDir } from '../../src/effects/abra-dir.js';
import { stackName } from '../../src/effects/docker.js';
import { cloneRepo } from '../../src/effects/git.js';
import { createWorld, publishRecipe, type World } from './helpers.js';

let world: World;
before(async () => {
  world = await createWorld('health');
});
after(async () => world.stop());

test('TCP ready probe: up when the port accepts; not ready when it refuses; HTTP probe path', async () => {
  const recipe = await publishRecipe(world, 'tcp', [{ version: '1.0.0+a' }]);
  const abraDir = await createOwnAbraDir(path.join(world.root, 'abra-tcp'), world.sandbox.abraDir);
  await cloneRepo(recipe.url, path.join(abraDir, 'recipes', recipe.name));
  const domain = `tcp.${world.sandbox.domain}`;
  const app = { abraDir, server: world.sandbox.server, domain };
  await createApp({ ...app, recipe: recipe.name, version: '1.0.0+a', env: { EXTRA: 'x' }, secrets: true });
  await deployVersion(app, '1.0.0+a', { timeoutMs: 30_000 });
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const common = { target: { domain, ingress: world.sandbox.ingress }, stack: stackName(domain), requestTimeoutMs: 1000, pollMs: 50 };
  const up = await waitHealthy({ ...common, probe: { tcp: { port, stableChecks: 3 } }, timeoutMs: 5000 });
  assert.ok(up.ok);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const down = await waitHealthy({ ...common, probe: { tcp: { port, stableChecks: 1 } }, timeoutMs: 500 });
  assert.equal(down.ok, false);
  assert.match(down.ok ? '' : down.reason, /refused/);
  const http = await waitHealthy({ ...common, probe: { http: { path: '/', statuses: [200] } }, timeoutMs: 5000 });
  assert.ok(http.ok);
  await undeployKeepingVolumes(app);
  const gone = await waitHealthy({ ...common, probe: { http: { path: '/', statuses: [200] } }, timeoutMs: 300 });
  assert.equal(gone.ok, false);
  assert.match(gone.ok ? '' : gone.reason, /did not converge/);
  await undeployKeepingVolumes(app); // not deployed: tolerated
  await removeAppAndVolumes(app);
});
