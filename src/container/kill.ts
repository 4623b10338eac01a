/** The kill operation: a signal to the container's init, or to every process in its cgroup. */
import { liveStatus } from './status';
import type { SavedState } from './state-file';
import { cgroupPids } from '../cgroups/placement';

export async function killContainer(dir: string, state: SavedState, signal: number, all: boolean): Promise<void> {
  const status = await liveStatus(dir, state);
  if (status !== 'created' && status !== 'running' && status !== 'paused') throw new Error('container not running');
  if (all && state.cgroup) {
    for (const pid of cgroupPids(state.cgroup)) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
    return;
  }
  process.kill(state.pid, signal);
}
