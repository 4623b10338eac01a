/** `skiff resume ID`: thaws a container that `skiff pause` froze. */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { lockContainer } from '../container/lock';
import { readState } from '../container/state-file';
import { liveStatus } from '../container/status';
import { isFrozen, thaw } from '../cgroups/freezer';

export async function run(g: GlobalOptions, [id]: string[]): Promise<number> {
  const { dir } = await loadContainer(g.root, id);
  const unlock = lockContainer(dir);
  try {
    const state = await readState(dir);
    const status = await liveStatus(dir, state);
    // A paused container that was never started still reports "created".
    const paused = status === 'paused' || (status === 'created' && !!state.cgroup && isFrozen(state.cgroup));
    if (!paused || !state.cgroup) throw new Error('container not paused');
    thaw(state.cgroup);
  } finally {
    unlock();
  }
  return 0;
}
