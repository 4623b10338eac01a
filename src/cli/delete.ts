/** `skiff delete [-f] ID`: removes a stopped container (any container with --force). */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { deleteContainer } from '../container/delete';
import { log } from '../log';

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  let loaded;
  try {
    loaded = await loadContainer(g.root, id);
  } catch (e) {
    // runc: deleting a missing container with --force is not an error.
    if (opts.force && (e as Error).message === 'container does not exist') return 0;
    throw e;
  }
  await deleteContainer(loaded.dir, loaded.state, Boolean(opts.force), (msg) => log.warn(msg));
  return 0;
}
