import { fs, path } from '../sys/lazy-builtins';
import { containerDir } from './state-root';
import { readState, SavedState } from '../container/state-file';

export interface LoadedContainer {
  dir: string;
  state: SavedState;
}

/** Reads a container's saved state; the error runc gives when there is none. */
export async function loadContainer(root: string, id: string): Promise<LoadedContainer> {
  const dir = containerDir(root, id);
  try {
    return { dir, state: await readState(dir) };
  } catch (e: any) {
    if (e.code === 'ENOENT') throw new Error('container does not exist');
    throw e;
  }
}

/** Every container under the state root, skipping directories without a readable state. */
export async function listContainers(root: string): Promise<LoadedContainer[]> {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (e: any) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
  const out: LoadedContainer[] = [];
  for (const name of names.sort()) {
    const dir = path.join(root, name);
    try {
      out.push({ dir, state: await readState(dir) });
    } catch {
      // not a container, or one whose create is still writing its first state
    }
  }
  return out;
}
