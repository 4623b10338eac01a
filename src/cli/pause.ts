/** `skiff pause ID`: freezes every process of a running container (cgroup freezer). */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { lockContainer } from '../container/lock';
import { readState } from '../container/state-file';
import { liveStatus } from '../container/status';
import { freeze, isFrozen } from '../cgroups/freezer';

export async function run(g: GlobalOptions, [id]: string[]): Promise<number> {
  const { dir } = await loadContainer(g.root, id);
  const unlock = lockContainer(dir);
  try {
    const state = await readState(dir);
    const status = await liveStatus(dir, state);
    // As runc: a created container may be paused too; a paused one is "not running".
    if ((status !== 'running' && status !== 'created') || !state.cgroup || isFrozen(state.cgroup))
      throw new Error('container not running');
    freeze(state.cgroup);
  } finally {
    unlock();
  }
  return 0;
}
