import { path } from './lazy-builtins';

/** Absolute and already normal: no empty, "." or ".." component (so no "//" and no trailing "/"). */
function isNormalAbsolute(p: string): boolean {
  if (p === '/') return true;
  return p.startsWith('/') && p.slice(1).split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * path.resolve(p). The usual --root is already absolute and normal, and then node:path (~0.4 ms
 * to load under bun, see lazy-builtins.ts) is not needed to say so.
 */
export function absolutePath(p: string): string {
  return isNormalAbsolute(p) ? p : path.resolve(p);
}
