/** `skiff start ID`: releases a created container's process to exec the user program. */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { startContainer } from '../container/start';
import { log } from '../log';

export async function run(g: GlobalOptions, [id]: string[]): Promise<number> {
  const { dir, state } = await loadContainer(g.root, id);
  await startContainer(dir, state, (msg) => log.warn(msg));
  return 0;
}
