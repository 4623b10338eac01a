/** `skiff kill ID [SIGNAL]`: signals the container's init, or with --all every process in it. */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { killContainer } from '../container/kill';
import { parseSignal } from '../process/signals';

export async function run(g: GlobalOptions, [id, signal]: string[], opts: Record<string, any>): Promise<number> {
  const { dir, state } = await loadContainer(g.root, id);
  await killContainer(dir, state, parseSignal(signal), Boolean(opts.all));
  return 0;
}
