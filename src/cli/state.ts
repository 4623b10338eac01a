/** `skiff state ID`: the runtime-spec state, with the live status, printed as runc prints it. */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { publicState } from '../container/public-state';
import { avoidNodeFs, printOut } from '../sys/quick-files';

export async function run(g: GlobalOptions, [id]: string[]): Promise<number> {
  avoidNodeFs();
  const { dir, state } = await loadContainer(g.root, id);
  await printOut(`${JSON.stringify(await publicState(dir, state), null, 2)}\n`);
  return 0;
}
