// Which swarm the abra double drives: FAKE_BACKEND=state (default: the fake swarm under
// $FAKE_SWARM_DIR, with the docker double) or docker (a real engine through the real
// docker CLI, which must then come first on PATH).
import { dockerBackend } from './backend-docker.mjs';
import { stateBackend } from './backend-state.mjs';

export function backend() {
  const name = process.env.FAKE_BACKEND || 'state';
  if (name === 'state') return stateBackend;
  if (name === 'docker') return dockerBackend;
  process.stderr.write(`FAKE_BACKEND must be state or docker, got ${name}\n`);
  process.exit(3);
}
