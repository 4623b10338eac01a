/** The delete operation: a stopped container (any, with force) destroyed and forgotten. */
import { liveStatus } from './status';
import { lockContainer } from './lock';
import type { SavedState } from './state-file';
import { destroyContainer, killEverything, waitFor } from './destroy';
import { isAlive } from './proc-stat';

type Warn = (msg: string) => void;

export async function deleteContainer(dir: string, state: SavedState, force: boolean, warn: Warn): Promise<void> {
  const unlock = lockContainer(dir);
  let status = await liveStatus(dir, state);
  if (status !== 'stopped') {
    if (!force) {
      unlock();
      throw new Error(`cannot delete container ${state.id} that is not stopped: ${status}`);
    }
    killEverything(state);
    waitFor(() => !isAlive(state.pid, state.pidStartTime), 10000);
    status = await liveStatus(dir, state);
  }
  // destroy removes the directory, lock included.
  await destroyContainer(dir, state, { runPoststop: true, warn });
}
