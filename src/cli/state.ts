/** `skiff state ID`: the runtime-spec state, with the live status, printed as runc prints it. */
import { writeOut } from '../log/write-all';
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { publicState } from '../container/public-state';

export async function run(g: GlobalOptions, [id]: string[]): Promise<number> {
  const { dir, state } = loadContainer(g.root, id);
  writeOut(`${JSON.stringify(publicState(dir, state), null, 2)}\n`);
  return 0;
}
