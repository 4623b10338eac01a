import { fs, path } from '../sys/lazy-builtins';
import { absolutePath } from '../sys/absolute-path';

/** runc's rule for container ids: letters, digits, and _ + - . ; not "." or "..". */
export function checkId(id: string): void {
  if (!/^[\w+\-.]+$/.test(id) || id === '.' || id === '..') throw new Error('invalid container ID format');
}

export function containerDir(root: string, id: string): string {
  checkId(id);
  return `${absolutePath(root)}/${id}`;
}

/** Claims the id: mkdir is atomic, so two creates of one id cannot both win. */
export function claimContainerDir(root: string, id: string): string {
  const dir = containerDir(root, id);
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  try {
    fs.mkdirSync(dir, { mode: 0o711 });
  } catch (e: any) {
    if (e.code === 'EEXIST') throw new Error('container with given ID already exists');
    throw e;
  }
  return dir;
}
