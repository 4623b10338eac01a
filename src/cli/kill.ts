/** `skiff kill ID [SIGNAL]`: signals the container's init, or with --all every process in it. */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { killContainer } from '../container/kill';
import { parseSignal } from '../process/signals';
import { avoidNodeFs } from '../sys/quick-files';

export async function run(g: GlobalOptions, [id, signal]: string[], opts: Record<string, any>): Promise<number> {
  avoidNodeFs(); // kill --all lists the cgroup's pids through node:fs: then it is loaded after all
  const { dir, state } = await loadContainer(g.root, id);
  await killContainer(dir, state, parseSignal(signal), Boolean(opts.all));
  return 0;
}
